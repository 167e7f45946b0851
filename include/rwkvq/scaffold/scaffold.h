#pragma once
// `rwkvq init`: a new request folder from the project's own template (data/request-template.yaml,
// compiled into the binary), filled in so that `rwkvq validate` finds nothing to report.
#include <filesystem>
#include <string>
#include <vector>

namespace rwkvq {

struct ScaffoldOptions {
  std::string handle;       // "@me" (the @ is added when missing)
  std::string title;        // the notebook's title
  std::string description;  // "" = one written from the other options
  std::string model = "0.4B";   // 0.1B | 0.4B | 1.5B (RWKV-5 World) | an http(s) URL of a .pth
  std::string dataset;          // a Hub id (user/name) | an http(s) URL; "" = the template's default
  int parts = 1;                // 1: training-notebook.ipynb; N > 1: training-notebook-part1..N
  std::string trainer = "infctx";  // infctx | official
  std::string folder_name;      // the request folder's name: the runs' names start with it
  // The trainer folders of the checkout the folder is in (RWKV-v5 ...); empty: not in a checkout.
  std::vector<std::string> trainer_dirs;
};

struct ScaffoldFile {
  std::string name;  // relative to the request folder
  std::string content;
};

struct Scaffold {
  std::vector<ScaffoldFile> files;
  std::vector<std::string> notes;  // choices made that the contributor should know of
  std::vector<std::string> next;   // what to edit next, in order
};

// Throws UsageError for options it cannot write a valid request from (bad handle, a model URL
// that is not a .pth, an official-trainer dataset that is not binidx, --parts out of 1..50 ...).
Scaffold make_scaffold(const ScaffoldOptions& opt);

// Creates `dir` (and its parents) and writes the files. Throws UsageError when `dir` exists and
// is not an empty folder (nothing is ever overwritten), InputError when a file cannot be written.
void write_scaffold(const std::filesystem::path& dir, const Scaffold& s);

}  // namespace rwkvq
