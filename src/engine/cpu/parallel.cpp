#include "engine/cpu/parallel.hpp"

#include <dlfcn.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>

namespace rerank::engine::cpu {

namespace {

// libgomp's entry points. oneDNN (Debian's build uses the OpenMP runtime) loads libgomp, so
// the symbols are in the process; looking them up avoids compiling this project with -fopenmp.
struct Gomp {
  void (*parallel)(void (*)(void*), void*, unsigned, unsigned) = nullptr;
  int (*thread_num)() = nullptr;
  int (*num_threads)() = nullptr;
  int (*get_max_threads)() = nullptr;
  void (*set_threads)(int) = nullptr;
  int (*in_parallel)() = nullptr;
  bool ok() const { return parallel && thread_num && num_threads && get_max_threads && set_threads && in_parallel; }
};

const Gomp& gomp() {
  static const Gomp g = [] {
    Gomp x;
    x.parallel = reinterpret_cast<decltype(x.parallel)>(dlsym(RTLD_DEFAULT, "GOMP_parallel"));
    x.thread_num = reinterpret_cast<decltype(x.thread_num)>(dlsym(RTLD_DEFAULT, "omp_get_thread_num"));
    x.num_threads = reinterpret_cast<decltype(x.num_threads)>(dlsym(RTLD_DEFAULT, "omp_get_num_threads"));
    x.get_max_threads = reinterpret_cast<decltype(x.get_max_threads)>(dlsym(RTLD_DEFAULT, "omp_get_max_threads"));
    x.set_threads = reinterpret_cast<decltype(x.set_threads)>(dlsym(RTLD_DEFAULT, "omp_set_num_threads"));
    x.in_parallel = reinterpret_cast<decltype(x.in_parallel)>(dlsym(RTLD_DEFAULT, "omp_in_parallel"));
    return x;
  }();
  return g;
}

struct StaticJob {
  std::int64_t n;
  const std::function<void(std::int64_t, std::int64_t, int)>* fn;
};

void run_static(void* p) {
  auto* job = static_cast<StaticJob*>(p);
  const int t = gomp().thread_num();
  const int nt = gomp().num_threads();
  const std::int64_t chunk = (job->n + nt - 1) / nt;
  const std::int64_t begin = std::min<std::int64_t>(job->n, chunk * t);
  const std::int64_t end = std::min<std::int64_t>(job->n, begin + chunk);
  if (begin < end) (*job->fn)(begin, end, t);
}

struct DynamicJob {
  std::int64_t n;
  std::atomic<std::int64_t> next{0};
  const std::function<void(std::int64_t, int)>* fn;
};

void run_dynamic(void* p) {
  auto* job = static_cast<DynamicJob*>(p);
  const int t = gomp().thread_num();
  for (std::int64_t i = job->next.fetch_add(1); i < job->n; i = job->next.fetch_add(1)) (*job->fn)(i, t);
}

}  // namespace

void set_num_threads(int n) {
  if (gomp().ok() && n > 0) gomp().set_threads(n);
}

int max_threads() { return gomp().ok() ? std::max(1, gomp().get_max_threads()) : 1; }

int hardware_threads() {
  const long n = sysconf(_SC_NPROCESSORS_ONLN);
  return n > 0 ? static_cast<int>(n) : 1;
}

void parallel_for(std::int64_t n, const std::function<void(std::int64_t, std::int64_t, int)>& fn) {
  if (n <= 0) return;
  const Gomp& g = gomp();
  if (!g.ok() || g.in_parallel() || max_threads() == 1 || n == 1) {
    fn(0, n, 0);
    return;
  }
  StaticJob job{n, &fn};
  const unsigned threads = static_cast<unsigned>(std::min<std::int64_t>(n, max_threads()));
  g.parallel(run_static, &job, threads, 0);
}

void parallel_for_dynamic(std::int64_t n, const std::function<void(std::int64_t, int)>& fn) {
  if (n <= 0) return;
  const Gomp& g = gomp();
  if (!g.ok() || g.in_parallel() || max_threads() == 1 || n == 1) {
    for (std::int64_t i = 0; i < n; ++i) fn(i, 0);
    return;
  }
  DynamicJob job;
  job.n = n;
  job.fn = &fn;
  const unsigned threads = static_cast<unsigned>(std::min<std::int64_t>(n, max_threads()));
  g.parallel(run_dynamic, &job, threads, 0);
}

}  // namespace rerank::engine::cpu
