#pragma once
// Starts tests/net/hub_server.py (a Hub look-alike on 127.0.0.1, a free port) for one test and
// kills it at the end. Nothing here reaches beyond the loopback interface.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <string>

#include "rwkvq/net/http.h"

namespace rwkvq::test {

class HubServer {
 public:
  HubServer() {
    int fds[2];
    if (::pipe(fds) != 0) throw std::runtime_error("pipe");
    pid_ = ::fork();
    if (pid_ < 0) throw std::runtime_error("fork");
    if (pid_ == 0) {
      ::dup2(fds[1], STDOUT_FILENO);
      ::close(fds[0]);
      ::close(fds[1]);
      const std::string script = std::string(RWKVQ_SOURCE_DIR) + "/tests/net/hub_server.py";
      // The system interpreter when there is one: a version manager's shim can take seconds.
      if (::access("/usr/bin/python3", X_OK) == 0)
        ::execl("/usr/bin/python3", "python3", script.c_str(), static_cast<char*>(nullptr));
      ::execlp("python3", "python3", script.c_str(), static_cast<char*>(nullptr));
      ::_exit(127);
    }
    ::close(fds[1]);
    std::string line;
    char ch = 0;
    while (::read(fds[0], &ch, 1) == 1 && ch != '\n') line += ch;
    ::close(fds[0]);
    port_ = std::atoi(line.c_str());
    if (port_ <= 0) throw std::runtime_error("hub_server.py did not start");
  }
  ~HubServer() {
    ::kill(pid_, SIGTERM);
    int st = 0;
    ::waitpid(pid_, &st, 0);
  }
  HubServer(const HubServer&) = delete;
  HubServer& operator=(const HubServer&) = delete;

  int port() const { return port_; }
  std::string url(const std::string& path = "") const { return "http://127.0.0.1:" + std::to_string(port_) + path; }
  // What the server was asked (JSON list), fetched with the client under test.
  std::string log() const {
    net::HttpOptions o;
    auto r = net::fetch_all({{"GET", url("/_log")}}, o);
    return r[0].body;
  }
  void reset() const {
    net::HttpOptions o;
    net::fetch_all({{"GET", url("/_reset")}}, o);
  }

 private:
  pid_t pid_ = -1;
  int port_ = 0;
};

}  // namespace rwkvq::test
