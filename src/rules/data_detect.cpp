#include "rules/data_detect.h"

#include <cstdio>
#include <set>

#include "rwkvq/request/vpath.h"
#include "rwkvq/util/strings.h"

namespace rwkvq::rules {

std::string human_bytes(std::uint64_t n) {
  char buf[32];
  if (n >= (1ull << 20)) std::snprintf(buf, sizeof buf, "%.1f MB", static_cast<double>(n) / (1 << 20));
  else if (n >= 1024) std::snprintf(buf, sizeof buf, "%.1f KB", static_cast<double>(n) / 1024);
  else std::snprintf(buf, sizeof buf, "%llu bytes", static_cast<unsigned long long>(n));
  return buf;
}

std::string magic_format(std::string_view h) {
  auto has = [&](std::string_view m, std::size_t off = 0) { return h.size() >= off + m.size() && h.substr(off, m.size()) == m; };
  if (has("PAR1")) return "Parquet";
  if (has("ARROW1")) return "Arrow";
  if (has(std::string_view("PK\x03\x04", 4))) return "zip (also PyTorch checkpoints)";
  if (has("\x1f\x8b")) return "gzip";
  if (has(std::string_view("7z\xbc\xaf\x27\x1c", 6))) return "7z";
  if (has(std::string_view("\x93NUMPY", 6))) return "NumPy";
  if (has(std::string_view("\xfd" "7zXZ\x00", 6))) return "xz";
  if (has(std::string_view("\x28\xb5\x2f\xfd", 4))) return "zstd";
  if (has("BZh") && h.size() >= 4 && h[3] >= '1' && h[3] <= '9') return "bzip2";
  if (has(std::string_view("\x80\x02", 2)) || has(std::string_view("\x80\x04", 2)) ||
      has(std::string_view("\x80\x05", 2)))
    return "Python pickle";
  // safetensors: 8-byte little-endian header length, then the JSON header.
  if (h.size() >= 10 && h[8] == '{' && h[9] == '"' && h[6] == 0 && h[7] == 0) return "safetensors";
  return "";
}

bool is_lfs_pointer(std::string_view h) {
  // https://github.com/git-lfs/git-lfs/blob/main/docs/spec.md: the first key is always
  // "version"; hawser.github.com is the spec's earlier name.
  return starts_with(h, "version https://git-lfs.github.com/spec/") ||
         starts_with(h, "version https://hawser.github.com/spec/");
}

std::optional<DataVerdict> judge_data_file(std::string_view path, std::uint64_t size, std::string_view head,
                                           bool head_known, const Limits& lim) {
  static const std::set<std::string> data_ext = {
      ".jsonl", ".parquet", ".arrow", ".csv", ".tsv", ".bin", ".idx", ".npy", ".npz", ".pt", ".pth",
      ".ckpt", ".safetensors", ".zip", ".tar", ".tgz", ".gz", ".7z", ".xz", ".bz2", ".zst", ".rar"};
  std::string name = to_lower(path_basename(path));
  auto dot = name.rfind('.');
  std::string ext = dot == std::string::npos ? "" : name.substr(dot);
  std::string fmt = head_known ? magic_format(head) : std::string();
  DataVerdict v;
  if (data_ext.count(ext) || name.find(".tar.") != std::string::npos) {
    v.why = "a data file (" + ext + ", " + human_bytes(size) + ")";
  } else if (head_known && is_lfs_pointer(head)) {
    v.why = "a Git LFS pointer: the data it stands for is stored with the repository (and the runner does "
            "not fetch LFS objects)";
  } else if ((ext == ".json" || ext == ".txt") && size > lim.max_text_bytes) {
    v.why = "a " + human_bytes(size) + " " + ext + " file (over " + human_bytes(lim.max_text_bytes) +
            ", so data rather than settings)";
  } else if (!fmt.empty()) {
    v.why = "really " + fmt + " data, whatever its name says";
  } else if (size > lim.max_file_bytes) {
    v.why = human_bytes(size) + ", over the " + human_bytes(lim.max_file_bytes) + " limit for a request file";
  } else {
    return std::nullopt;
  }
  v.notebook_outputs = ext == ".ipynb" && fmt.empty() && !(head_known && is_lfs_pointer(head));
  return v;
}

}  // namespace rwkvq::rules
