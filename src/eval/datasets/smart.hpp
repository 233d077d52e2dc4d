// The classic SMART/Glasgow test-collection format (Cranfield, CISI, MEDLINE, CACM's
// original release): records start with ".I <number>", fields with ".T", ".W", ".A", ...
// on their own lines. CRLF line endings are accepted.
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "eval/datasets/dataset.hpp"

namespace rerank::eval {

struct SmartRecord {
  std::string number;                  // the ".I" value without leading zeros ("001" -> "1")
  std::map<char, std::string> fields;  // field letter -> text (lines joined by spaces)
};

// Parses every record. Throws Error(InvalidInput) when there is text before the first ".I".
std::vector<SmartRecord> parse_smart_records(std::string_view content, const std::string& source);

// The searchable text of a record: its .T (title) and .W (abstract/query) fields.
// Authors (.A), bibliographic data (.B), citations (.X) and the rest are left out.
std::string smart_record_text(const SmartRecord& record);

// Query ids. The .I numbers when they are exactly 1..n; otherwise (Cranfield's cran.qry
// numbers 1..365 with gaps while cranqrel says 1..225) the 1-based position in the file.
// Sets *by_position to say which rule was used.
std::vector<Topic> smart_topics(const std::vector<SmartRecord>& records, bool* by_position);

// Relevance files, by their column layout:
//   "q d code"            Cranfield cranqrel: code 1..4 (1 = complete answer, 4 = minimum
//                         interest) become grades 4..1; -1 ("no interest") becomes 0
//   "q 0 d rel"           TREC layout (MED.REL)
//   "q d 0 0.000000"      CISI.REL / MED.REL.OLD: every listed pair is relevant (grade 1)
Judgments parse_smart_qrels(std::string_view content, const std::string& source);

// A folder holding a SMART collection: the files themselves or one .tar.gz with them
// (*.ALL / *.all.*, *.QRY, *.REL or cranqrel).
bool is_smart_dir(const std::filesystem::path& dir);
Dataset open_smart_dataset(const std::filesystem::path& dir);

}  // namespace rerank::eval
