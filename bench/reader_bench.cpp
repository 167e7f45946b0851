// Reader benchmark (bench/reader_bench.sh): parse_notebook on every .ipynb under a folder, files
// already in memory; prints the median and fastest time of RUNS passes.
#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <vector>
#include "rwkvq/request/notebook.h"
namespace fs = std::filesystem;
int main(int argc, char** argv) {
  std::vector<std::pair<std::string, std::string>> files;
  std::size_t bytes = 0;
  for (auto& d : fs::recursive_directory_iterator(argv[1]))
    if (d.path().extension() == ".ipynb") {
      std::ifstream in(d.path(), std::ios::binary); std::ostringstream ss; ss << in.rdbuf();
      files.emplace_back(d.path().string(), ss.str()); bytes += files.back().second.size();
    }
  int runs = argc > 2 ? std::atoi(argv[2]) : 15;
  std::vector<double> ms;
  std::size_t cells = 0;
  for (int r = 0; r < runs; ++r) {
    auto t0 = std::chrono::steady_clock::now();
    cells = 0;
    for (auto& [p, t] : files) cells += rwkvq::parse_notebook(p, t).cells.size();
    ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
  }
  std::sort(ms.begin(), ms.end());
  std::cout << files.size() << " notebooks, " << bytes / 1e6 << " MB, " << cells << " cells: median "
            << ms[ms.size() / 2] << " ms, min " << ms[0] << " ms (" << runs << " runs, "
            << bytes / 1e6 / (ms[ms.size() / 2] / 1000) << " MB/s)\n";
}
