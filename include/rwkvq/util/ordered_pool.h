#pragma once
// Running n independent tasks on a few threads while handing their results on in order
// (`validate` of many folders, issue 12.6): task(i) runs on one of the threads, deliver(i) on the
// calling thread, for i = 0, 1, ... n-1 in that order, each as soon as task(i) is done and every
// deliver before it has returned. What a task produces for deliver (a report, the text of its
// error messages) goes in a slot of the caller's own, indexed by i: a task touches only its slot
// and state that is safe to share; deliver may read and release slot i.
#include <cstddef>
#include <functional>

namespace rwkvq {

// The default number of threads for n tasks: the machine's cores (at least 1, at most `cap`),
// never more than n.
std::size_t default_jobs(std::size_t n, std::size_t cap = 8);

// Runs task(i) for every i in [0, n) exactly once, on min(jobs, n) threads: the calling thread
// and min(jobs, n) - 1 started ones; deliver(i) on the calling thread in order of i, between its
// own tasks. With jobs <= 1 or n <= 1 no thread is started: task(i) then
// deliver(i), one i after the other, on the calling thread.
// An exception thrown by task(i) is caught on its thread and thrown again on the calling thread
// in place of deliver(i) (the deliveries before it are made, none after); one thrown by deliver
// goes out the same way. Either way the workers are stopped (no new task is started) and joined
// before it leaves, so the process is never terminated by a task.
void run_ordered(std::size_t n, std::size_t jobs, const std::function<void(std::size_t)>& task,
                 const std::function<void(std::size_t)>& deliver);

}  // namespace rwkvq
