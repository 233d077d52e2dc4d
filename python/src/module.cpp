// rerank._rerank: the compiled half of the Python package, a thin binding of the public C++
// API (include/rerank/): load a ranker through the one spec resolution, score documents with
// the GIL released (Python threads score concurrently; the runtime merges their work), the one
// score rule, and typed errors as Python exceptions. The Python-facing classes (Reranker,
// CrossEncoder, RankedResults) live in python/rerank/*.py.
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <map>
#include <memory>
#include <optional>
#include <utility>
#include <string>
#include <vector>

#include "rerank/rerank.hpp"
#include "rerank/score_rule.hpp"

namespace py = pybind11;

namespace {

// The Python exception classes, created once at import (see PYBIND11_MODULE).
struct Exceptions {
  PyObject* base = nullptr;
  PyObject* input = nullptr;
  PyObject* not_found = nullptr;
  PyObject* not_supported = nullptr;
  PyObject* model = nullptr;
  PyObject* network = nullptr;
  PyObject* unauthorized = nullptr;
  PyObject* overloaded = nullptr;
  PyObject* timeout = nullptr;
  PyObject* backend = nullptr;
};
Exceptions exceptions;

PyObject* exception_for(rerank::ErrorCode code) {
  using rerank::ErrorCode;
  switch (code) {
    case ErrorCode::InvalidArgument:
    case ErrorCode::InvalidInput: return exceptions.input;
    case ErrorCode::NotFound: return exceptions.not_found;
    case ErrorCode::NotSupported: return exceptions.not_supported;
    case ErrorCode::ModelFormat: return exceptions.model;
    case ErrorCode::Network: return exceptions.network;
    case ErrorCode::Unauthorized: return exceptions.unauthorized;
    case ErrorCode::Overloaded: return exceptions.overloaded;
    case ErrorCode::Timeout: return exceptions.timeout;
    case ErrorCode::Backend: return exceptions.backend;
    case ErrorCode::Internal: return exceptions.base;
  }
  return exceptions.base;
}

rerank::LoadOptions load_options(const py::dict& options) {
  rerank::LoadOptions o;
  for (const auto& [key_object, value] : options) {
    const std::string key = py::str(key_object);
    if (value.is_none()) continue;
    if (key == "type") o.type = value.cast<std::string>();
    else if (key == "device") o.device = value.cast<std::string>();
    else if (key == "precision") o.precision = value.cast<std::string>();
    else if (key == "threads") o.threads = value.cast<int>();
    else if (key == "max_length") o.max_length = value.cast<std::size_t>();
    else if (key == "truncation") o.truncation = value.cast<std::string>();
    else if (key == "batch_tokens") o.batch_tokens = value.cast<std::size_t>();
    else if (key == "endpoint") o.endpoint = value.cast<std::string>();
    else if (key == "api_key") o.api_key = value.cast<std::string>();
    else if (key == "fallbacks") o.fallbacks = value.cast<std::vector<std::string>>();
    else if (key == "params") o.params = value.cast<std::map<std::string, std::string>>();
    else throw rerank::Error(rerank::ErrorCode::InvalidArgument, "unknown load option '" + key + "'");
  }
  return o;
}

// One loaded ranker, shared by every Python object that holds it; thread-safe (Ranker's
// const methods are).
class PyRanker {
 public:
  PyRanker(const std::string& spec, const py::dict& options) {
    const rerank::LoadOptions o = load_options(options);
    py::gil_scoped_release release;
    ranker_ = rerank::load(spec, o);
  }

  // Raw scores of `texts` for `query`, in input order.
  std::vector<double> score(const std::string& query, const std::vector<std::string>& texts, bool truncate,
                            std::optional<std::string> instruction) const {
    return score_documents(query, texts, truncate, std::move(instruction)).values;
  }

  // Raw scores and the model outputs each came from (a classifier's logits), in input order;
  // empty output lists for rankers without a local model (BM25, hosted APIs).
  std::pair<std::vector<double>, std::vector<std::vector<float>>> score_outputs(
      const std::string& query, const std::vector<std::string>& texts, bool truncate) const {
    rerank::Scores scores = score_documents(query, texts, truncate, std::nullopt);
    std::vector<std::vector<float>> outputs(texts.size());
    for (std::size_t i = 0; i < scores.documents.size() && i < outputs.size(); ++i) {
      outputs[i] = std::move(scores.documents[i].outputs);
    }
    return {std::move(scores.values), std::move(outputs)};
  }

  py::dict info() const {
    const rerank::RankerInfo& i = ranker_->info();
    py::dict d;
    d["type"] = i.type;
    d["spec"] = i.spec;
    d["model"] = i.model;
    d["directory"] = i.directory;
    d["score_kind"] = std::string(rerank::score_kind_name(i.score_kind));
    d["device"] = i.device;
    d["precision"] = i.precision;
    d["max_length"] = i.max_length;
    return d;
  }

  // The one score rule on this ranker's kind: sigmoid of logits unless raw, others unchanged.
  std::vector<double> shown(const std::vector<double>& raw, bool raw_requested) const {
    std::vector<double> out;
    out.reserve(raw.size());
    for (const double r : raw) out.push_back(rerank::shown_score(ranker_->info().score_kind, r, raw_requested));
    return out;
  }

 private:
  rerank::Scores score_documents(const std::string& query, const std::vector<std::string>& texts, bool truncate,
                                 std::optional<std::string> instruction) const {
    std::vector<rerank::Document> docs(texts.size());
    for (std::size_t i = 0; i < texts.size(); ++i) docs[i].text = texts[i];
    rerank::ScoreOptions options;
    options.truncate = truncate;
    options.instruction = std::move(instruction);
    py::gil_scoped_release release;
    return ranker_->score_documents(query, docs, options);
  }

  std::unique_ptr<rerank::Ranker> ranker_;
};

}  // namespace

PYBIND11_MODULE(_rerank, m) {
  m.doc() = "rerank's native engine (use the classes of the rerank package)";
  exceptions.base = PyErr_NewException("rerank.RerankError", PyExc_RuntimeError, nullptr);
  auto subclass = [&](const char* name, PyObject* extra_base) {
    PyObject* bases = extra_base ? PyTuple_Pack(2, exceptions.base, extra_base) : PyTuple_Pack(1, exceptions.base);
    PyObject* cls = PyErr_NewException(name, bases, nullptr);
    Py_DECREF(bases);
    return cls;
  };
  exceptions.input = subclass("rerank.InputError", PyExc_ValueError);
  exceptions.not_found = subclass("rerank.NotFoundError", PyExc_LookupError);
  exceptions.not_supported = subclass("rerank.NotSupportedError", PyExc_NotImplementedError);
  exceptions.model = subclass("rerank.ModelError", nullptr);
  exceptions.network = subclass("rerank.NetworkError", PyExc_ConnectionError);
  exceptions.unauthorized = subclass("rerank.UnauthorizedError", PyExc_PermissionError);
  exceptions.overloaded = subclass("rerank.OverloadedError", nullptr);
  exceptions.timeout = subclass("rerank.TimeoutError", PyExc_TimeoutError);
  exceptions.backend = subclass("rerank.BackendError", nullptr);
  for (const auto& [name, cls] : {std::pair{"RerankError", exceptions.base}, {"InputError", exceptions.input},
                                  {"NotFoundError", exceptions.not_found},
                                  {"NotSupportedError", exceptions.not_supported}, {"ModelError", exceptions.model},
                                  {"NetworkError", exceptions.network}, {"UnauthorizedError", exceptions.unauthorized},
                                  {"OverloadedError", exceptions.overloaded}, {"TimeoutError", exceptions.timeout},
                                  {"BackendError", exceptions.backend}}) {
    m.add_object(name, py::handle(cls));
  }
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const rerank::Error& e) {
      PyErr_SetString(exception_for(e.code()), e.what());
    }
  });

  py::class_<PyRanker>(m, "Ranker")
      .def(py::init<const std::string&, const py::dict&>(), py::arg("spec"), py::arg("options") = py::dict())
      .def("score", &PyRanker::score, py::arg("query"), py::arg("texts"), py::arg("truncate") = true,
           py::arg("instruction") = py::none(), "Raw scores of texts for query, in input order")
      .def("score_outputs", &PyRanker::score_outputs, py::arg("query"), py::arg("texts"),
           py::arg("truncate") = true,
           "(raw scores, model outputs such as a classifier's logits) of texts for query, in input order")
      .def("info", &PyRanker::info)
      .def("shown", &PyRanker::shown, py::arg("raw"), py::arg("raw_requested") = false,
           "The one score rule (docs/scores.md) applied to raw scores of this ranker");
  m.def("ranking_order", [](const std::vector<double>& scores) { return rerank::ranking_order(scores); },
        py::arg("scores"), "Indices best first: descending, ties in input order, NaN last (the one ranking rule)");
  m.attr("__version__") = std::string(rerank::version());
}
