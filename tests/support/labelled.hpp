#pragma once

// The labelled evaluation sets in tests/data: a TSV of utterance<TAB>label under a header.

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace feel::test {

struct Labelled {
  std::string utterance;
  std::string label;
};

inline std::vector<Labelled> read_labelled(const std::filesystem::path& file) {
  std::ifstream in(file);
  REQUIRE(in);
  std::vector<Labelled> lines;
  std::string line;
  std::getline(in, line);  // the header
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) continue;
    const auto tab = line.find('\t');
    REQUIRE(tab != std::string::npos);
    lines.push_back({line.substr(0, tab), line.substr(tab + 1)});
  }
  return lines;
}

}  // namespace feel::test
