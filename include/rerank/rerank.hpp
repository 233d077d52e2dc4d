// Umbrella header of the rerank library.
#pragma once

#include "rerank/document.hpp"
#include "rerank/error.hpp"
#include "rerank/ranker.hpp"
#include "rerank/version.hpp"
