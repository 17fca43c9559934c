#include "skill/content.hpp"

#include <algorithm>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "skill/ssml.hpp"

namespace feel::skill {
namespace {

namespace fs = std::filesystem;
using KeyMap = std::map<std::string, Variants, std::less<>>;

std::string language_of(std::string_view locale) {
  const auto dash = locale.find('-');
  return std::string(locale.substr(0, dash));
}

void load_file(const fs::path& file, KeyMap& into) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw ContentError(file.string() + ": cannot be read");
  std::stringstream buffer;
  buffer << in.rdbuf();
  const auto doc = nlohmann::json::parse(buffer.str(), nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) {
    throw ContentError(file.string() + ": not a JSON object of key -> list of variants");
  }
  for (const auto& [key, value] : doc.items()) {
    const auto where = file.string() + ": key " + key;
    if (into.count(key) != 0) throw ContentError(where + ": defined twice in this folder");
    if (!value.is_array() || value.empty()) {
      throw ContentError(where + ": must be a non-empty list of variants");
    }
    Variants variants;
    for (const auto& variant : value) {
      if (!variant.is_string() || variant.get_ref<const std::string&>().empty()) {
        throw ContentError(where + ": every variant must be a non-empty string");
      }
      const auto& text = variant.get_ref<const std::string&>();
      std::string why;
      if (!ssml_well_formed(text, &why)) {
        throw ContentError(where + ": SSML is not well-formed: " + why);
      }
      variants.push_back(text);
    }
    into.emplace(key, std::move(variants));
  }
}

}  // namespace

LocaleSpeech::LocaleSpeech(std::string locale, const KeyMap* own, const KeyMap* base)
    : locale_(std::move(locale)), own_(own), base_(base) {}

const Variants* LocaleSpeech::find(std::string_view key) const {
  for (const auto* set : {own_, base_}) {
    if (set == nullptr) continue;
    const auto it = set->find(key);
    if (it != set->end()) return &it->second;
  }
  return nullptr;
}

const Variants& LocaleSpeech::at(std::string_view key) const {
  const auto* variants = find(key);
  if (variants == nullptr) {
    throw ContentError("no speech for key " + std::string(key) + " in " + locale_);
  }
  return *variants;
}

SpeechCatalog SpeechCatalog::load(const fs::path& dir) {
  SpeechCatalog catalog;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) throw ContentError(dir.string() + ": not a folder");
  std::vector<fs::path> folders;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    if (entry.is_directory()) folders.push_back(entry.path());
  }
  std::sort(folders.begin(), folders.end());
  for (const auto& folder : folders) {
    auto& keys = catalog.sets_[folder.filename().string()];
    std::vector<fs::path> files;
    for (const auto& entry : fs::directory_iterator(folder, ec)) {
      if (entry.is_regular_file() && entry.path().extension() == ".json") {
        files.push_back(entry.path());
      }
    }
    std::sort(files.begin(), files.end());
    for (const auto& file : files) load_file(file, keys);
  }
  if (ec) throw ContentError(dir.string() + ": cannot be listed: " + ec.message());

  for (const auto& [name, keys] : catalog.sets_) {
    if (name.find('-') == std::string::npos) continue;  // a language base, not a locale
    const auto base = catalog.sets_.find(language_of(name));
    catalog.locales_.emplace(
        name, std::make_unique<LocaleSpeech>(
                  name, &keys, base == catalog.sets_.end() ? nullptr : &base->second));
  }
  if (catalog.locales_.count(catalog.default_locale_) == 0) {
    throw ContentError(dir.string() + ": no " + catalog.default_locale_ +
                       " folder; the default locale is required");
  }
  return catalog;
}

const LocaleSpeech& SpeechCatalog::for_locale(std::string_view locale) const {
  if (const auto it = locales_.find(locale); it != locales_.end()) return *it->second;
  const auto language = language_of(locale);
  for (const auto& [name, speech] : locales_) {
    if (language_of(name) == language && name == language + "-US") return *speech;
  }
  for (const auto& [name, speech] : locales_) {
    if (language_of(name) == language) return *speech;
  }
  return *locales_.at(default_locale_);
}

std::vector<std::string> SpeechCatalog::locales() const {
  std::vector<std::string> names;
  for (const auto& [name, speech] : locales_) names.push_back(name);
  return names;
}

const KeyMap& SpeechCatalog::base(std::string_view language) const {
  static const KeyMap empty;
  const auto it = sets_.find(language);
  return it == sets_.end() ? empty : it->second;
}

std::size_t SpeechCatalog::key_count() const {
  std::size_t count = 0;
  for (const auto& [name, keys] : sets_) count += keys.size();
  return count;
}

std::size_t pick_variant(std::size_t count, std::uint64_t seed, std::optional<std::size_t> last) {
  if (count <= 1) return 0;
  // splitmix64: spreads consecutive seeds over the whole range.
  std::uint64_t z = seed + 0x9e3779b97f4a7c15ULL;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  z ^= z >> 31;
  if (last && *last < count) {
    // Choose among the others, so a repeat is impossible rather than unlikely.
    const auto offset = static_cast<std::size_t>(z % (count - 1));
    return (*last + 1 + offset) % count;
  }
  return static_cast<std::size_t>(z % count);
}

std::string fill_template(std::string_view text,
                          const std::vector<std::pair<std::string_view, std::string>>& values) {
  std::string out;
  out.reserve(text.size());
  std::size_t pos = 0;
  while (pos < text.size()) {
    const auto open = text.find('{', pos);
    if (open == std::string_view::npos) break;
    const auto close = text.find('}', open);
    if (close == std::string_view::npos) break;
    out.append(text, pos, open - pos);
    const auto name = text.substr(open + 1, close - open - 1);
    const auto it = std::find_if(values.begin(), values.end(),
                                 [&](const auto& value) { return value.first == name; });
    if (it != values.end()) out += escape_xml(it->second);
    pos = close + 1;
  }
  out.append(text, pos, std::string_view::npos);
  return out;
}

}  // namespace feel::skill
