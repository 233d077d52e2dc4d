// Reading the environment: one rule for values and one for on/off flags, so every variable
// rerank honours (Hugging Face's, the caches', profiling) is read the same way.
#pragma once

#include <string>

namespace rerank {

// The variable's value, or "" when unset.
std::string env_value(const char* name);

// On when the value is 1, true, yes or on (any case), as huggingface_hub reads its flags;
// off when unset or anything else.
bool env_flag(const char* name);

}  // namespace rerank
