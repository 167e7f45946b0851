#include "rwkvq/util/ordered_pool.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

namespace rwkvq {

std::size_t default_jobs(std::size_t n, std::size_t cap) {
  const std::size_t cores = std::max<std::size_t>(1, std::thread::hardware_concurrency());
  return std::max<std::size_t>(1, std::min({cores, std::max<std::size_t>(cap, 1), n}));
}

namespace {

// The state the workers and the calling thread share.
struct Shared {
  std::atomic<std::size_t> next{0};  // the next task to start
  std::atomic<bool> stop{false};     // no new task is started
  std::mutex m;
  std::condition_variable cv;
  std::vector<char> done;                 // guarded by m
  std::vector<std::exception_ptr> error;  // slot i written by task i's worker before done[i]
};

// Stops and joins the workers however the calling thread leaves run_ordered.
struct Joiner {
  Shared& s;
  std::vector<std::thread>& threads;
  ~Joiner() {
    s.stop = true;
    for (auto& t : threads)
      if (t.joinable()) t.join();
  }
};

}  // namespace

void run_ordered(std::size_t n, std::size_t jobs, const std::function<void(std::size_t)>& task,
                 const std::function<void(std::size_t)>& deliver) {
  if (jobs <= 1 || n <= 1) {
    for (std::size_t i = 0; i < n; ++i) {
      task(i);
      deliver(i);
    }
    return;
  }
  Shared s;
  s.done.assign(n, 0);
  s.error.resize(n);
  // Runs the next task not yet started, if any; false when all have been started (or stop).
  auto run_next = [&s, &task, n]() -> bool {
    if (s.stop) return false;
    const std::size_t i = s.next.fetch_add(1);
    if (i >= n) return false;
    try {
      task(i);
    } catch (...) {
      s.error[i] = std::current_exception();
    }
    {
      std::lock_guard<std::mutex> lock(s.m);
      s.done[i] = 1;
    }
    s.cv.notify_one();  // only the calling thread waits
    return true;
  };
  std::vector<std::thread> threads;
  Joiner joiner{s, threads};
  // The calling thread is one of the `jobs`: it works too (its heap is the warm one) and hands
  // the results on between its tasks.
  const std::size_t started = std::min(jobs, n) - 1;
  threads.reserve(started);
  try {
    for (std::size_t t = 0; t < started; ++t)
      threads.emplace_back([&run_next] {
        while (run_next()) {
        }
      });
  } catch (const std::system_error&) {
    // Fewer threads than asked for: those there are (the calling one at least) do all the work.
  }
  for (std::size_t i = 0; i < n; ++i) {
    for (;;) {
      {
        std::unique_lock<std::mutex> lock(s.m);
        if (s.done[i]) break;
      }
      if (run_next()) continue;  // task i is running elsewhere: do another meanwhile
      std::unique_lock<std::mutex> lock(s.m);
      s.cv.wait(lock, [&] { return s.done[i] != 0; });
      break;
    }
    if (s.error[i]) std::rethrow_exception(s.error[i]);
    deliver(i);
  }
}

}  // namespace rwkvq
