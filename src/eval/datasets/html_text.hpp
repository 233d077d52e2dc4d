// Visible text of an HTML document: tags removed, script/style bodies dropped, character
// references decoded, whitespace runs collapsed to one space (what Jsoup's text() gives
// Anserini's HtmlCollection, closely enough for indexing).
#pragma once

#include <string>
#include <string_view>

namespace rerank::eval {

std::string html_to_text(std::string_view html);

}  // namespace rerank::eval
