#pragma once

// Every word the skill says lives in speech-content/ as data:
//   speech-content/<language>/*.json   the shared base, e.g. en/
//   speech-content/<locale>/*.json     what differs in one locale, e.g. en-GB/
// Each file is an object of key -> list of variants (SSML fragments). A locale's lookup
// tries the locale, then its language base.

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace feel::skill {

class ContentError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

using Variants = std::vector<std::string>;

class LocaleSpeech {
 public:
  LocaleSpeech(std::string locale, const std::map<std::string, Variants, std::less<>>* own,
               const std::map<std::string, Variants, std::less<>>* base);

  [[nodiscard]] const std::string& locale() const { return locale_; }
  // The variants for key, or nullptr when neither the locale nor its base has it.
  [[nodiscard]] const Variants* find(std::string_view key) const;
  // Like find, but a missing key is a ContentError (content is checked at start-up, so this
  // only fires on a programming error).
  [[nodiscard]] const Variants& at(std::string_view key) const;

 private:
  std::string locale_;
  const std::map<std::string, Variants, std::less<>>* own_;
  const std::map<std::string, Variants, std::less<>>* base_;
};

class SpeechCatalog {
 public:
  // Loads and checks every file: valid JSON, lists of non-empty strings, well-formed SSML.
  // Throws ContentError naming the file and key.
  [[nodiscard]] static SpeechCatalog load(const std::filesystem::path& dir);

  // The speech for a request's locale: the exact locale, else the default locale of its
  // language (en-* -> en-US), else the catalog's default (en-US).
  [[nodiscard]] const LocaleSpeech& for_locale(std::string_view locale) const;
  [[nodiscard]] std::vector<std::string> locales() const;
  [[nodiscard]] const std::map<std::string, Variants, std::less<>>& base(
      std::string_view language) const;
  [[nodiscard]] std::size_t key_count() const;

 private:
  std::map<std::string, std::map<std::string, Variants, std::less<>>, std::less<>> sets_;
  std::map<std::string, std::unique_ptr<LocaleSpeech>, std::less<>> locales_;
  std::string default_locale_ = "en-US";
};

// Chooses one of `count` variants from `seed`, never `last` again when there is a choice.
[[nodiscard]] std::size_t pick_variant(std::size_t count, std::uint64_t seed,
                                       std::optional<std::size_t> last);

// Replaces each {name} in a content template with the escaped value of that name; a
// placeholder with no value is left out.
[[nodiscard]] std::string fill_template(
    std::string_view text, const std::vector<std::pair<std::string_view, std::string>>& values);

}  // namespace feel::skill
