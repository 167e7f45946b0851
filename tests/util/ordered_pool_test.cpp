#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <mutex>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "rwkvq/util/ordered_pool.h"

using namespace rwkvq;

TEST_CASE("default_jobs: the cores, at least 1, at most the cap and the number of tasks", "[util][pool]") {
  const std::size_t cores = std::max(1u, std::thread::hardware_concurrency());
  CHECK(default_jobs(0) == 1);
  CHECK(default_jobs(1) == 1);
  CHECK(default_jobs(1000) == std::min<std::size_t>(cores, 8));
  CHECK(default_jobs(1000, 1) == 1);
  CHECK(default_jobs(1000, 0) == 1);
  CHECK(default_jobs(2, 64) == std::min<std::size_t>(cores, 2));
}

TEST_CASE("run_ordered: every task once, deliveries in order, whatever the order tasks finish in",
          "[util][pool]") {
  for (std::size_t jobs : {1u, 2u, 3u, 8u}) {
    for (std::size_t n : {0u, 1u, 2u, 7u, 100u}) {
      std::vector<std::atomic<int>> runs(n);
      std::vector<std::string> slot(n);
      std::vector<std::size_t> delivered;
      run_ordered(
          n, jobs,
          [&](std::size_t i) {
            // Early tasks take longest, so that with several threads later ones finish first.
            if (i < 4) std::this_thread::sleep_for(std::chrono::milliseconds(8 - 2 * static_cast<int>(i)));
            runs[i]++;
            slot[i] = "task " + std::to_string(i);
          },
          [&](std::size_t i) {
            CHECK(slot[i] == "task " + std::to_string(i));  // its task is done before it is handed on
            delivered.push_back(i);
            slot[i].clear();
          });
      INFO("jobs " << jobs << ", n " << n);
      for (std::size_t i = 0; i < n; ++i) CHECK(runs[i] == 1);
      std::vector<std::size_t> expected(n);
      for (std::size_t i = 0; i < n; ++i) expected[i] = i;
      CHECK(delivered == expected);
    }
  }
}

TEST_CASE("run_ordered: several threads really run at once with jobs > 1", "[util][pool]") {
  // Two tasks that each wait for the other to have started: only possible on two threads.
  std::atomic<int> started{0};
  std::atomic<bool> overlapped{false};
  run_ordered(
      2, 2,
      [&](std::size_t) {
        started++;
        const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(5);
        while (started.load() < 2 && std::chrono::steady_clock::now() < until) std::this_thread::yield();
        if (started.load() == 2) overlapped = true;
      },
      [](std::size_t) {});
  CHECK(overlapped);
}

TEST_CASE("run_ordered: jobs 1 (or one task) runs inline on the calling thread, task then deliver",
          "[util][pool]") {
  const auto self = std::this_thread::get_id();
  std::vector<std::string> log;
  run_ordered(
      3, 1,
      [&](std::size_t i) {
        CHECK(std::this_thread::get_id() == self);
        log.push_back("t" + std::to_string(i));
      },
      [&](std::size_t i) { log.push_back("d" + std::to_string(i)); });
  CHECK(log == std::vector<std::string>{"t0", "d0", "t1", "d1", "t2", "d2"});
  bool inline_one = false;
  run_ordered(
      1, 8, [&](std::size_t) { inline_one = std::this_thread::get_id() == self; }, [](std::size_t) {});
  CHECK(inline_one);
}

TEST_CASE("run_ordered: deliveries are made on the calling thread, tasks on at most jobs threads", "[util][pool]") {
  const auto self = std::this_thread::get_id();
  std::mutex m;
  std::set<std::thread::id> task_threads;
  bool all_here = true;
  run_ordered(
      20, 4,
      [&](std::size_t) {
        std::lock_guard<std::mutex> lock(m);
        task_threads.insert(std::this_thread::get_id());
      },
      [&](std::size_t) { all_here = all_here && std::this_thread::get_id() == self; });
  CHECK(all_here);
  CHECK(task_threads.size() <= 4);  // the calling thread and at most 3 started ones
}

TEST_CASE("run_ordered: an exception in a task comes out on the calling thread in its place",
          "[util][pool]") {
  for (std::size_t jobs : {1u, 2u, 8u}) {
    INFO("jobs " << jobs);
    std::vector<std::size_t> delivered;
    std::atomic<int> after_started{0};
    try {
      run_ordered(
          50, jobs,
          [&](std::size_t i) {
            if (i == 5) throw std::runtime_error("task 5 failed");
            if (i > 5) after_started++;
          },
          [&](std::size_t i) { delivered.push_back(i); });
      FAIL("no exception");
    } catch (const std::runtime_error& e) {
      CHECK(std::string(e.what()) == "task 5 failed");
    }
    CHECK(delivered == std::vector<std::size_t>{0, 1, 2, 3, 4});
    if (jobs == 1) CHECK(after_started == 0);
    // The process is alive and the pool usable again.
    std::vector<std::size_t> again;
    run_ordered(3, jobs, [](std::size_t) {}, [&](std::size_t i) { again.push_back(i); });
    CHECK(again == std::vector<std::size_t>{0, 1, 2});
  }
}

TEST_CASE("run_ordered: an exception from deliver stops the workers and comes out", "[util][pool]") {
  std::atomic<int> ran{0};
  CHECK_THROWS_WITH(run_ordered(
                        1000, 4, [&](std::size_t) { ran++; },
                        [](std::size_t i) {
                          if (i == 2) throw std::logic_error("deliver 2");
                        }),
                    "deliver 2");
  CHECK(ran.load() >= 3);
  CHECK(ran.load() <= 1000);
}
