#pragma once

// Spots crisis language (suicide, self-harm, wanting to die, an overdose plan, "better off
// without me") in any free text the user says, before any handler sees it.
//
// Phrases and patterns come from speech-content/<language>/matching/crisis.json and are matched
// against the text as normalize() leaves it: lower case, no punctuation, apostrophes dropped
// ("i'm" and "im" are the same). A safe phrase ("dying to know", "this is killing me") only
// cancels a match that lies inside it, so "this is killing me, i want to die" is still a crisis.

#include <cstddef>
#include <filesystem>
#include <regex>
#include <string>
#include <string_view>
#include <vector>

namespace feel::intents {

class CrisisDetector {
 public:
  // Loads matching/crisis.json: {"phrases": [...], "patterns": [ECMAScript regexes],
  // "safe_phrases": [...]}. Throws skill::ContentError naming the file and the problem.
  [[nodiscard]] static CrisisDetector load(const std::filesystem::path& crisis_json);

  // Whether the text, in any case, punctuation or spacing and even as invalid UTF-8, says
  // something that needs the crisis answer. Safe for concurrent use.
  [[nodiscard]] bool is_crisis(std::string_view text) const;

 private:
  struct Span {
    std::size_t begin;
    std::size_t end;
  };

  // Whether [begin, end) of the normalised text lies inside a safe phrase.
  [[nodiscard]] static bool is_covered(const std::vector<Span>& safe, std::size_t begin,
                                       std::size_t end);

  std::vector<std::string> phrases_;  // normalised, matched on word boundaries
  struct Pattern {
    std::regex regex;                   // compiled once, apostrophes taken out
    std::vector<std::string> literals;  // a match contains one of these; empty: unknown
  };

  std::vector<Pattern> patterns_;
  std::vector<std::string> safe_phrases_;  // normalised
};

}  // namespace feel::intents
