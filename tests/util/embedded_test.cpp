#include <catch2/catch.hpp>
#include <yaml-cpp/yaml.h>

#include <string>
#include <vector>

#include "rwkvq/util/embedded.h"

using namespace rwkvq;

// embedded_lists() is data/trainer-keys.yaml split at build time by cmake/embed_data.cmake (so
// that config/unknown-key parses no YAML at run time); it must say exactly what yaml-cpp reads.
TEST_CASE("embedded lists are exactly what yaml-cpp reads in the data file", "[util][embedded]") {
  const auto& data = embedded_data();
  REQUIRE(data.count("trainer-keys.yaml"));
  const YAML::Node root = YAML::Load(std::string(data.at("trainer-keys.yaml")));
  std::map<std::string, std::vector<std::string>> want;
  for (const auto& kv : root) {
    const std::string section = kv.first.as<std::string>();
    if (kv.second.IsSequence()) {
      for (const auto& n : kv.second) want["trainer-keys.yaml:" + section].push_back(n.as<std::string>());
    } else {
      REQUIRE(kv.second.IsMap());
      for (const auto& sub : kv.second)
        for (const auto& n : sub.second)
          want["trainer-keys.yaml:" + section + "." + sub.first.as<std::string>()].push_back(n.as<std::string>());
    }
  }
  std::map<std::string, std::vector<std::string>> got;
  for (const auto& [name, items] : embedded_lists())
    for (auto item : items) got[name].emplace_back(item);
  CHECK(got == want);
  CHECK(got.at("trainer-keys.yaml:trainer").size() > 20);
  CHECK(got.count("trainer-keys.yaml:seen_but_unknown.data") == 1);
}
