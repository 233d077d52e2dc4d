// TREC relevance judgments (qrels) and run files, read and written the way trec_eval 9.x/10.x
// reads them.
//   qrels: "qid iter docno rel"            exactly four whitespace-separated fields
//   run:   "qid iter docno rank sim runid" six or more fields; fields after runid are ignored
// Blank lines and lines whose first non-blank character is '#' are skipped in both. Lines may
// end in CRLF. The rank column of a run is ignored: trec_eval ranks by sim (see judged_ranking).
#pragma once

#include <filesystem>
#include <iosfwd>
#include <map>
#include <string>
#include <vector>

namespace rerank::eval::trec_eval {

// qid -> docno -> relevance. A negative relevance means "in the pool but not judged" (infAP).
// std::map orders queries and documents by byte value, which is trec_eval's strcmp order.
using Qrels = std::map<std::string, std::map<std::string, int>>;

struct RunEntry {
  std::string docid;
  double score = 0.0;
};

// qid -> retrieved documents in file order (trec_eval re-sorts them by score).
using Run = std::map<std::string, std::vector<RunEntry>>;

// Reads a qrels file. The relevance column is read like C atol: an optional sign and digits, any
// fractional part dropped ("1.0" -> 1). Throws Error(InvalidInput) naming the file and line for a
// line without four fields, a non-numeric relevance, or a (qid, docno) judged twice; throws
// Error(NotFound) when the file cannot be opened.
Qrels read_qrels(const std::filesystem::path& path);
Qrels parse_qrels(std::istream& in, const std::string& source_name);

// Reads a run file. `run_id`, when given, receives the runid column of the last line, which is
// the one trec_eval reports. Throws Error(InvalidInput) naming the file and line for a line with
// fewer than six fields or a score that is not a number; Error(NotFound) for a missing file.
// Duplicate documents are kept here and rejected when a query is evaluated, as trec_eval does
// (only duplicates within the evaluated prefix, see -M, are errors).
Run read_run(const std::filesystem::path& path, std::string* run_id = nullptr);
Run parse_run(std::istream& in, const std::string& source_name, std::string* run_id = nullptr);

// Writes `run` as a TREC run file: per query (in qid order) documents ranked the way trec_eval
// ranks them (score descending, ties by docno descending), "qid Q0 docno rank score run_id",
// ranks from 1, scores printed with enough digits to round-trip.
void write_run(std::ostream& out, const Run& run, const std::string& run_id);
void write_run_file(const std::filesystem::path& path, const Run& run, const std::string& run_id);

}  // namespace rerank::eval::trec_eval
