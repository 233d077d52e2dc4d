# The two set-up commands: `make demo` and `make test`. Both install missing Debian
# packages, configure and build as needed.
BUILD_DIR ?= build
JOBS ?= $(shell nproc)
CMAKE_FLAGS ?=

.PHONY: demo test build deps configure clean fuzz-smoke test-sanitize python

deps:
	@scripts/install-deps

$(BUILD_DIR)/build.ninja: | deps
	cmake -S . -B $(BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=Release $(CMAKE_FLAGS)

configure: $(BUILD_DIR)/build.ninja

build: deps configure
	cmake --build $(BUILD_DIR) -j $(JOBS)

demo: build
	$(BUILD_DIR)/bin/rerank rank --model bm25 \
	  --query "$$(cat examples/demo/query.txt)" --docs examples/demo/docs.jsonl --top-k 5

# tests/run_ctest.sh closes the log with "N passed, N failed, N skipped". RERANK_REQUIRE_SHARED=1
# (CI) turns every skip for missing ../shared data or tools into a failure (README, Testing).
# The engine and model tests run a second time as on an AVX2-only CPU (docs/engine.md).
test: build
	tests/run_ctest.sh $(BUILD_DIR) --output-on-failure -j $(JOBS)
	RERANK_TEST_PASS="AVX2 emulation" RERANK_CPU_ISA=avx2 ONEDNN_MAX_CPU_ISA=AVX2 \
	  tests/run_ctest.sh $(BUILD_DIR) --output-on-failure -j $(JOBS) -L '^(engine|models)$$'

# The Python package as an importable build tree: PYTHONPATH=$(BUILD_DIR)/python (docs/python.md).
python: build
	cmake --build $(BUILD_DIR) --target rerank_python_package

clean:
	rm -rf $(BUILD_DIR)

# The whole test suite built with AddressSanitizer + UndefinedBehaviorSanitizer (UB halts;
# LeakSanitizer is on). CUDA is off there because nvcc rejects the sanitizer flags.
SANITIZE_BUILD_DIR ?= build-asan
test-sanitize: deps
	cmake -S . -B $(SANITIZE_BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DRERANK_SANITIZE=ON \
	  -DRERANK_BUILD_BENCH=OFF -DRERANK_CUDA=OFF
	cmake --build $(SANITIZE_BUILD_DIR) -j $(JOBS)
	tests/run_ctest.sh $(SANITIZE_BUILD_DIR) --output-on-failure -j $(JOBS)

# Bounded libFuzzer runs (CI runs them before the tests) of every fuzz target: the tokenizer,
# tokenizer.json, config.json, safetensors headers, GGUF metadata, hosted-API responses, the
# server's HTTP request reader and its request parsing. FUZZ_SECONDS is the total, shared by fuzz/run_smoke.sh; the
# curated corpus is fuzz/corpus/<target>, the 100k-deep nesting seeds are generated. Builds
# the core, text and io libraries instrumented with clang in $(FUZZ_BUILD_DIR); the server and
# API targets compile just the parsing sources they need.
FUZZ_BUILD_DIR ?= build-fuzz
FUZZ_SECONDS ?= 90
FUZZ_FLAGS := -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined
FUZZ_LINK := clang++ -std=c++20 -O1 -g -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined -Iinclude -Isrc
FUZZ_LIBS = $(FUZZ_BUILD_DIR)/src/librerank_io.a $(FUZZ_BUILD_DIR)/src/librerank_text.a \
  $(FUZZ_BUILD_DIR)/src/librerank_core.a $$(pkg-config --libs libutf8proc oniguruma sentencepiece libcurl zlib) \
  -lfmt -lpthread
SERVER_PARSE_SRCS := src/serve/request_parser.cpp src/serve/dialect_common.cpp src/serve/dialect_cohere_v1.cpp \
  src/serve/dialect_cohere_v2.cpp src/serve/dialect_tei.cpp src/serve/dialect_mixedbread.cpp \
  src/serve/score_rule.cpp src/serve/http_errors.cpp src/serve/json_fields.cpp
API_PARSE_SRCS := src/rankers/api/dialect.cpp $(wildcard src/rankers/api/*_dialect.cpp) \
  src/rankers/api/response_validation.cpp src/rankers/api/status_error.cpp src/rankers/api/api_settings.cpp
HTTP_PARSE_SRCS := src/serve/http/request_reader.cpp src/serve/http/http_message.cpp
FUZZ_LIB_TARGETS := tokenizer_fuzz tokenizer_json_fuzz safetensors_fuzz gguf_fuzz
# config.json parsing belongs to the models layer (which needs the engine): its parsers only.
MODEL_CONFIG_SRCS := src/models/encoder_config.cpp src/models/modernbert_config.cpp src/models/t5_config.cpp \
  src/models/qwen3_config.cpp src/models/config_json.cpp src/models/checkpoint.cpp
fuzz-smoke: deps
	CC=clang CXX=clang++ cmake -S . -B $(FUZZ_BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	  -DRERANK_BUILD_TESTS=OFF -DRERANK_BUILD_BENCH=OFF -DRERANK_CUDA=OFF -DRERANK_PYTHON=OFF \
	  -DCMAKE_CXX_FLAGS="$(FUZZ_FLAGS)" -DCMAKE_C_FLAGS="$(FUZZ_FLAGS)" >/dev/null
	cmake --build $(FUZZ_BUILD_DIR) -j $(JOBS) --target rerank_io rerank_text
	for t in $(FUZZ_LIB_TARGETS); do $(FUZZ_LINK) fuzz/$$t.cpp -o $(FUZZ_BUILD_DIR)/$$t $(FUZZ_LIBS) || exit 1; done
	$(FUZZ_LINK) fuzz/model_config_fuzz.cpp $(MODEL_CONFIG_SRCS) -o $(FUZZ_BUILD_DIR)/model_config_fuzz $(FUZZ_LIBS)
	$(FUZZ_LINK) fuzz/server_request_fuzz.cpp $(SERVER_PARSE_SRCS) -o $(FUZZ_BUILD_DIR)/server_request_fuzz \
	  $(FUZZ_BUILD_DIR)/src/librerank_core.a $$(pkg-config --libs libutf8proc) -lfmt -lpthread
	$(FUZZ_LINK) fuzz/api_response_fuzz.cpp $(API_PARSE_SRCS) -o $(FUZZ_BUILD_DIR)/api_response_fuzz \
	  $(FUZZ_BUILD_DIR)/src/librerank_core.a $$(pkg-config --libs libutf8proc) -lfmt -lpthread
	$(FUZZ_LINK) fuzz/http_request_fuzz.cpp $(HTTP_PARSE_SRCS) -o $(FUZZ_BUILD_DIR)/http_request_fuzz
	$(FUZZ_LINK) fuzz/listwise_permutation_fuzz.cpp src/rankers/listwise/permutation.cpp \
	  -o $(FUZZ_BUILD_DIR)/listwise_permutation_fuzz $$(pkg-config --libs libutf8proc)
	fuzz/run_smoke.sh $(FUZZ_BUILD_DIR) $(FUZZ_SECONDS)
