#pragma once
// A fast reader for the plain YAML that trainer configs are written in (block mappings and
// sequences, one-line scalars, one-line flow lists and flow mappings of scalars, comments). It
// gives exactly what parse_config's yaml-cpp path gives (keys, kinds, values, locations, sections)
// and declines (nullopt) anything else: anchors, aliases, tags, block scalars, multi-line
// scalars, nested flow collections, escapes other than the common ones, duplicate keys, tabs, CR,
// non-ASCII bytes, documents, syntax errors. yaml-cpp then reads the file as before, so findings
// do not change; tests/request/config_simple_test.cpp compares both on every YAML of the corpus
// and on mutations of them. yaml-cpp spent ~60 % of `rwkvq validate` on the corpus (issue 12.6).
#include <optional>
#include <string>
#include <string_view>

#include "rwkvq/request/config.h"

namespace rwkvq {

// `text` without a BOM. nullopt: not in the plain subset (read it with yaml-cpp).
std::optional<ConfigFile> parse_config_simple(const std::string& rel, std::string_view text);

// The yaml-cpp reading that parse_config falls back to (for the tests' comparison).
ConfigFile parse_config_yaml_cpp(std::string rel, std::string_view text);

}  // namespace rwkvq
