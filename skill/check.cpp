#include "skill/check.hpp"

#include <algorithm>
#include <map>
#include <optional>
#include <ostream>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "intents/exercise.hpp"
#include "skill/app.hpp"
#include "skill/config.hpp"
#include "skill/content.hpp"
#include "skill/nlu.hpp"
#include "skill/say.hpp"
#include "skill/skill_package.hpp"
#include "skill/ssml.hpp"

namespace feel::skill {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using Problems = std::vector<std::string>;

constexpr const char* kSearchQuery = "AMAZON.SearchQuery";
constexpr const char* kTopicType = "TOPIC";

// ALEXA.md section 5: without these, certification fails.
constexpr const char* kRequiredBuiltins[] = {"AMAZON.CancelIntent", "AMAZON.HelpIntent",
                                             "AMAZON.StopIntent", "AMAZON.NavigateHomeIntent",
                                             "AMAZON.FallbackIntent"};

// Words an invocation name may not contain: wake words, launch words, and the words Amazon
// reserves ("skill", "app").
constexpr std::string_view kForbiddenInvocationWords[] = {
    "alexa", "amazon", "echo",   "computer", "skill", "app",   "ask",
    "tell",  "open",   "launch", "load",     "begin", "enable"};

constexpr std::string_view kSslCertificateTypes[] = {"Trusted", "Wildcard", "SelfSigned"};

bool starts_with(std::string_view text, std::string_view prefix) {
  return text.substr(0, prefix.size()) == prefix;
}
bool ends_with(std::string_view text, std::string_view suffix) {
  return text.size() >= suffix.size() && text.substr(text.size() - suffix.size()) == suffix;
}

std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) {
    return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : static_cast<char>(c);
  });
  return out;
}

std::string in_quotes(std::string_view text) { return "\"" + std::string(text) + "\""; }

// The number of words a listener hears.
std::size_t spoken_words(std::string_view ssml) {
  const auto plain = ssml_to_plain_text(ssml);
  std::size_t words = 0;
  bool in_word = false;
  bool has_letter = false;
  for (std::size_t i = 0; i <= plain.size(); ++i) {
    const bool space = i == plain.size() || plain[i] == ' ' || plain[i] == '\n' || plain[i] == '\t';
    if (space) {
      if (in_word && has_letter) ++words;
      in_word = has_letter = false;
      continue;
    }
    in_word = true;
    const auto c = static_cast<unsigned char>(plain[i]);
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c >= 0x80) {
      has_letter = true;
    }
  }
  return words;
}

bool is_locale_folder(const std::string& name) { return name.find('-') != std::string::npos; }
std::string language_of(std::string_view locale) {
  return std::string(locale.substr(0, locale.find('-')));
}

// Every speech key with the file it is defined in, per folder of speech-content/. Read here
// rather than taken from SpeechCatalog because a problem must name the file.
struct KeySource {
  fs::path file;
  Variants variants;
};
using FolderKeys = std::map<std::string, KeySource, std::less<>>;

std::map<std::string, FolderKeys, std::less<>> scan_content(const fs::path& dir) {
  std::map<std::string, FolderKeys, std::less<>> folders;
  std::error_code ec;
  for (const auto& folder : fs::directory_iterator(dir, ec)) {
    if (!folder.is_directory()) continue;
    auto& keys = folders[folder.path().filename().string()];
    for (const auto& entry : fs::directory_iterator(folder.path(), ec)) {
      if (!entry.is_regular_file() || entry.path().extension() != ".json") continue;
      json document;
      try {
        document = read_json_file(entry.path());
      } catch (const SkillPackageError&) {
        continue;  // the catalog's load reports it
      }
      if (!document.is_object()) continue;
      for (const auto& [key, value] : document.items()) {
        KeySource source{entry.path(), {}};
        if (value.is_array()) {
          for (const auto& variant : value) {
            if (variant.is_string()) source.variants.push_back(variant.get<std::string>());
          }
        }
        keys.emplace(key, std::move(source));
      }
    }
  }
  return folders;
}

void check_keys_in_locales(const fs::path& content_dir,
                           const std::map<std::string, FolderKeys, std::less<>>& folders,
                           const std::set<std::string>& locales, Problems& problems) {
  for (const auto& locale : locales) {
    if (folders.count(locale) == 0) {
      problems.push_back((content_dir / locale).string() + ": missing: " + locale +
                         " would fall back to another locale's speech, emergency numbers "
                         "included");
    }
  }
  // What a locale needs: its language's base, and every key any sibling locale defines that
  // the base lacks (disclaimer.short, crisis.*: words that differ by country).
  for (const auto& [name, keys] : folders) {
    if (!is_locale_folder(name)) continue;
    const auto language = language_of(name);
    const auto base = folders.find(language);
    std::map<std::string, std::vector<std::string>> needed;  // key -> locales that have it
    for (const auto& [sibling, sibling_keys] : folders) {
      if (!is_locale_folder(sibling) || language_of(sibling) != language) continue;
      for (const auto& [key, source] : sibling_keys) {
        if (base == folders.end() || base->second.count(key) == 0) needed[key].push_back(sibling);
      }
    }
    for (const auto& [key, owners] : needed) {
      if (keys.count(key) != 0) continue;
      std::string list;
      for (const auto& owner : owners) list += (list.empty() ? "" : ", ") + owner;
      problems.push_back((content_dir / name).string() + ": key " + key + " is missing (" + list +
                         " define it, and the " + language + " base does not)");
    }
  }
}

void check_lengths(const std::map<std::string, FolderKeys, std::less<>>& folders,
                   const LengthLimits& limits, Problems& problems) {
  // The answer is followed by the offer ("Want to hear more?"): the two make one breath. The
  // longest offer anywhere is the strictest case.
  std::size_t longest_offer = 0;
  for (const auto& [name, keys] : folders) {
    const auto offer = keys.find("offer.more");
    if (offer == keys.end()) continue;
    for (const auto& variant : offer->second.variants) {
      longest_offer = std::max(longest_offer, spoken_words(variant));
    }
  }
  for (const auto& [name, keys] : folders) {
    for (const auto& [key, source] : keys) {
      if (ends_with(key, ".card.text")) continue;
      const bool topic = starts_with(key, "topic.");
      const bool answer = topic && ends_with(key, ".answer");
      const bool more = topic && ends_with(key, ".more");
      const auto limit = answer ? limits.answer : more ? limits.more : limits.other;
      for (std::size_t i = 0; i < source.variants.size(); ++i) {
        const auto words = spoken_words(source.variants[i]) + (answer ? longest_offer : 0);
        if (words <= limit) continue;
        problems.push_back(source.file.string() + ": key " + key + " variant " +
                           std::to_string(i + 1) + ": " + std::to_string(words) + " words" +
                           (answer ? " with the longest offer.more after it" : "") +
                           ", more than " + std::to_string(limit) +
                           (answer || more ? "" : "; put detail behind an offer or on a card"));
      }
    }
  }
}

std::vector<std::string> invocation_name_problems(const std::string& name) {
  std::vector<std::string> why;
  if (name.empty()) return {"is empty"};
  if (name.front() == ' ' || name.back() == ' ' || name.find("  ") != std::string::npos) {
    why.push_back("has leading, trailing or double spaces");
  }
  if (!std::all_of(name.begin(), name.end(),
                   [](char c) { return (c >= 'a' && c <= 'z') || c == ' ' || c == '\''; })) {
    why.push_back("may hold only lower-case letters, spaces and possessive apostrophes");
  }
  const auto words = split_words(name);
  if (words.size() < 2) why.push_back("needs at least two words");
  for (const auto& word : words) {
    const auto apostrophe = word.find('\'');
    if (apostrophe != std::string::npos && !ends_with(word, "'s") &&
        !(ends_with(word, "s'") && apostrophe == word.size() - 1)) {
      why.push_back("has an apostrophe that is not possessive in " + in_quotes(word));
    }
    const auto bare = word.substr(0, word.find('\''));
    if (std::find(std::begin(kForbiddenInvocationWords), std::end(kForbiddenInvocationWords),
                  bare) != std::end(kForbiddenInvocationWords)) {
      why.push_back("contains " + in_quotes(bare) +
                    " (no wake words, launch words, \"skill\" or \"app\")");
    }
  }
  return why;
}

// Literal text of a sample: letters, spaces, apostrophes, and periods for spelled-out
// initialisms ("p. t. s. d."). Numbers must be written as words.
std::optional<std::string> bad_sample_text(std::string_view text) {
  for (const char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == ' ' || c == '\'' || c == '.' ||
        c >= 0x80) {
      continue;
    }
    if (c >= '0' && c <= '9') return std::string("has digits; write numbers as words");
    return "has the character " + in_quotes(std::string(1, ch));
  }
  return std::nullopt;
}

std::optional<std::set<std::string>> topic_ids(const fs::path& content_dir,
                                               const std::string& locale, fs::path& file,
                                               Problems& problems) {
  file = content_dir / locale / "matching" / "topics.json";
  std::error_code ec;
  if (!fs::exists(file, ec)) file = content_dir / language_of(locale) / "matching" / "topics.json";
  try {
    const auto document = read_json_file(file);
    if (!document.is_object()) {
      problems.push_back(file.string() + ": must be an object of topic id -> matching data");
      return std::nullopt;
    }
    std::set<std::string> ids;
    for (const auto& [id, value] : document.items()) ids.insert(id);
    return ids;
  } catch (const SkillPackageError& error) {
    problems.push_back(std::string(error.what()) +
                       " (the TOPIC slot values are checked "
                       "against its topic ids)");
    return std::nullopt;
  }
}

// An intent name as Alexa sends it, rather than a request type a handler might also list.
bool is_intent_name(std::string_view name) {
  return starts_with(name, "AMAZON.") ||
         (name.find('.') == std::string_view::npos && !ends_with(name, "Request"));
}

struct LocaleModel {
  std::string locale;
  fs::path file;
  InteractionModel model;
};

// A sample as Alexa tells utterances apart: its shape, with each slot as its type. "{topic}"
// and "{rating}" are different utterances when one is a TOPIC and the other a number; two
// slots of one type in the same place are the same utterance whatever they are called.
std::string typed_shape(const ModelIntent& intent, const std::vector<SamplePart>& parts) {
  std::string out;
  for (const auto& part : parts) {
    std::string text;
    if (part.is_slot) {
      const auto* slot = intent.slot(part.text);
      text = "{" + (slot != nullptr ? slot->type : std::string()) + "}";
    } else {
      text = normalize_utterance(part.text);
    }
    if (text.empty()) continue;
    if (!out.empty()) out += ' ';
    out += text;
  }
  return out;
}

void check_samples(const LocaleModel& entry, const std::optional<BuiltinPhrases>& phrases,
                   Problems& problems) {
  const auto& model = entry.model;
  const auto where = entry.file.string() + ": ";
  // shape -> (intent, sample) of its first appearance
  std::map<std::string, std::pair<std::string, std::string>> shapes;
  for (const auto& intent : model.intents) {
    for (const auto& sample : intent.samples) {
      const auto in = where + "intent " + intent.name + " sample " + in_quotes(sample) + ": ";
      const auto parts = parse_sample(sample);
      if (!parts) {
        problems.push_back(in + "unbalanced, nested or empty braces");
        continue;
      }
      std::size_t slots = 0;
      std::size_t literal_words = 0;
      bool search_query = false;
      for (const auto& part : *parts) {
        if (!part.is_slot) {
          literal_words += split_words(normalize_utterance(part.text)).size();
          if (const auto bad = bad_sample_text(part.text)) problems.push_back(in + *bad);
          continue;
        }
        ++slots;
        const auto* slot = intent.slot(part.text);
        if (slot == nullptr) {
          problems.push_back(in + "{" + part.text + "} is not a slot of the intent");
        } else if (slot->type == kSearchQuery) {
          search_query = true;
        }
      }
      if (search_query && literal_words == 0) {
        problems.push_back(in + "an AMAZON.SearchQuery slot needs a carrier phrase");
      }
      if (search_query && slots > 1) {
        problems.push_back(in + "an AMAZON.SearchQuery slot must be the only slot in a sample");
      }
      const auto shape = typed_shape(intent, *parts);
      const auto [it, inserted] = shapes.emplace(shape, std::make_pair(intent.name, sample));
      if (inserted) continue;
      if (it->second.first == intent.name) {
        problems.push_back(in + "the same sample as " + in_quotes(it->second.second) +
                           " in the same intent");
      } else {
        problems.push_back(in + "conflicts with " + in_quotes(it->second.second) + " of intent " +
                           it->second.first + " (the same utterance in two intents)");
      }
    }
  }
  // What Alexa understands for a built-in intent must not be a sample of another intent.
  if (!phrases) return;
  for (const auto& [intent_name, list] : phrases->intents) {
    if (model.intent(intent_name) == nullptr) continue;
    for (const auto& phrase : list) {
      const auto it = shapes.find(sample_shape(phrase));
      if (it != shapes.end() && it->second.first != intent_name) {
        problems.push_back(where + "intent " + it->second.first + " sample " +
                           in_quotes(it->second.second) + ": conflicts with the built-in " +
                           intent_name + " (Alexa already hears " + in_quotes(phrase) +
                           " as that)");
      }
    }
  }
}

void check_model(const LocaleModel& entry, const fs::path& content_dir,
                 const std::optional<SpeechCatalog>& catalog,
                 const std::optional<BuiltinPhrases>& phrases,
                 const std::set<std::string, std::less<>>& handled, Problems& problems) {
  const auto& model = entry.model;
  const auto where = entry.file.string() + ": ";
  for (const auto& why : invocation_name_problems(model.invocation_name)) {
    problems.push_back(where + "invocation name " + in_quotes(model.invocation_name) + " " + why);
  }

  std::set<std::string> names;
  std::set<std::string> used_types;
  for (const auto& intent : model.intents) {
    if (!names.insert(intent.name).second) {
      problems.push_back(where + "intent " + intent.name + " is declared twice");
    }
    std::set<std::string> slot_names;
    for (const auto& slot : intent.slots) {
      if (!slot_names.insert(slot.name).second) {
        problems.push_back(where + "intent " + intent.name + " slot " + slot.name +
                           " is declared twice");
      }
      if (!starts_with(slot.type, "AMAZON.")) used_types.insert(slot.type);
    }
    if (!handled.empty() && handled.count(intent.name) == 0) {
      problems.push_back(where + "intent " + intent.name +
                         " has no handler (Dispatcher::intents() lacks it)");
    }
  }
  for (const auto* required : kRequiredBuiltins) {
    if (names.count(required) == 0) {
      problems.push_back(where + "the required built-in intent " + std::string(required) +
                         " is missing");
    }
  }
  for (const auto& name : handled) {
    if (is_intent_name(name) && names.count(name) == 0) {
      problems.push_back(where + "intent " + name +
                         " has a handler but is not in the model, so Alexa never sends it");
    }
  }
  for (const auto& type : used_types) {
    if (model.type(type) == nullptr) {
      problems.push_back(where + "slot type " + type + " is used but not defined in types");
    }
  }

  for (const auto& type : model.types) {
    std::set<std::string> ids;
    std::map<std::string, std::string> heard_as;  // normalised value or synonym -> id
    for (const auto& value : type.values) {
      const auto label = "type " + type.name + " value " + in_quotes(value.value);
      if (value.id.empty()) problems.push_back(where + label + " has no id");
      if (!value.id.empty() && !ids.insert(value.id).second) {
        problems.push_back(where + label + ": id " + value.id + " is used twice");
      }
      std::vector<std::string> spoken{value.value};
      spoken.insert(spoken.end(), value.synonyms.begin(), value.synonyms.end());
      for (const auto& text : spoken) {
        const auto key = normalize_utterance(text);
        const auto [it, inserted] = heard_as.emplace(key, value.id);
        if (!inserted && it->second != value.id) {
          problems.push_back(where + label + ": " + in_quotes(text) + " also belongs to " +
                             it->second + ", so Alexa cannot tell them apart");
        }
      }
    }
    if (type.name != kTopicType) continue;
    fs::path matching;
    const auto expected = topic_ids(content_dir, entry.locale, matching, problems);
    if (expected) {
      for (const auto& id : *expected) {
        if (ids.count(id) == 0) {
          problems.push_back(where + "type TOPIC has no value with id " + id + " (a topic of " +
                             matching.string() + ")");
        }
      }
      for (const auto& id : ids) {
        if (expected->count(id) == 0) {
          problems.push_back(where + "type TOPIC value id " + id + " is not a topic of " +
                             matching.string());
        }
      }
    }
    if (catalog) {
      const auto& speech = catalog->for_locale(entry.locale);
      for (const auto& id : ids) {
        for (const auto* part : {".answer", ".more"}) {
          const auto key = "topic." + id + part;
          if (speech.find(key) == nullptr) {
            problems.push_back(where + "type TOPIC value id " + id + ": speech key " + key +
                               " is missing in " + entry.locale);
          }
        }
      }
    }
  }
  check_samples(entry, phrases, problems);
}

void check_same_intents(const std::vector<LocaleModel>& models, Problems& problems) {
  if (models.size() < 2) return;
  const auto& reference = models.front();
  const auto signature = [](const ModelIntent& intent) {
    std::string out;
    for (const auto& slot : intent.slots) out += slot.name + ":" + slot.type + " ";
    return out;
  };
  for (std::size_t m = 1; m < models.size(); ++m) {
    const auto& other = models[m];
    for (const auto& intent : reference.model.intents) {
      const auto* same = other.model.intent(intent.name);
      if (same == nullptr) {
        problems.push_back(other.file.string() + ": intent " + intent.name + " is missing (" +
                           reference.locale + " has it)");
      } else if (signature(*same) != signature(intent)) {
        problems.push_back(other.file.string() + ": intent " + intent.name +
                           " has other slots than in " + reference.locale);
      }
    }
    for (const auto& intent : other.model.intents) {
      if (reference.model.intent(intent.name) == nullptr) {
        problems.push_back(other.file.string() + ": intent " + intent.name + " is not in " +
                           reference.locale);
      }
    }
  }
}

const json* find_path(const json& document, std::initializer_list<const char*> keys) {
  const json* at = &document;
  for (const auto* key : keys) {
    if (!at->is_object() || !at->contains(key)) return nullptr;
    at = &at->at(key);
  }
  return at;
}

// skill.json: the locales agree with the models, each listing says what certification wants
// of a health skill, its example phrases are things the model understands, and the endpoint
// is complete.
std::set<std::string> check_manifest(const fs::path& package,
                                     const std::vector<LocaleModel>& models,
                                     const std::optional<BuiltinPhrases>& phrases,
                                     Problems& problems) {
  std::set<std::string> locales;
  const auto file = package / "skill.json";
  json manifest;
  try {
    manifest = read_json_file(file);
  } catch (const SkillPackageError& error) {
    problems.push_back(error.what());
    return locales;
  }
  const auto where = file.string() + ": ";
  const auto* listings = find_path(manifest, {"manifest", "publishingInformation", "locales"});
  if (listings == nullptr || !listings->is_object()) {
    problems.push_back(where + "manifest.publishingInformation.locales is missing");
    return locales;
  }
  for (const auto& [locale, listing] : listings->items()) {
    locales.insert(locale);
    const auto at = where + "publishingInformation.locales." + locale;
    const auto text = [&](const char* key) {
      return listing.contains(key) && listing.at(key).is_string()
                 ? listing.at(key).get<std::string>()
                 : std::string();
    };
    if (text("name").empty()) problems.push_back(at + ".name is missing");
    const auto summary = text("summary");
    if (summary.empty() || utf8_length(summary) > 160) {
      problems.push_back(at + ".summary must be 1 to 160 characters");
    }
    const auto description = lower(text("description"));
    if (description.find("not a substitute for professional medical advice") == std::string::npos ||
        description.find("emergency") == std::string::npos) {
      problems.push_back(at +
                         ".description lacks the health disclaimer (not a substitute for "
                         "professional medical advice, diagnosis or treatment; in an "
                         "emergency, call your local emergency number)");
    }
    const auto model = std::find_if(models.begin(), models.end(),
                                    [&](const LocaleModel& m) { return m.locale == locale; });
    if (model == models.end()) {
      problems.push_back(at + ": no interaction model " +
                         interaction_model_path(package, locale).string());
      continue;
    }
    const auto examples = listing.value("examplePhrases", json::array());
    if (!examples.is_array() || examples.empty() || examples.size() > 3) {
      problems.push_back(at + ".examplePhrases must list one to three phrases");
      continue;
    }
    const Nlu nlu(model->model, phrases.value_or(BuiltinPhrases{}));
    const auto invocation = model->model.invocation_name;
    for (const auto& example : examples) {
      const auto phrase = example.is_string() ? example.get<std::string>() : std::string();
      const auto heard = normalize_utterance(phrase);
      if (!starts_with(heard, "alexa ") ||
          heard.find(normalize_utterance(invocation)) == std::string::npos) {
        problems.push_back(at + ": example phrase " + in_quotes(phrase) +
                           " must start with \"Alexa,\" and name " + in_quotes(invocation));
        continue;
      }
      if (!phrases) continue;  // launch words come from builtin-phrases.json
      const auto understood = nlu.understand(phrase);
      const bool launch = understood.kind == RequestKind::launch && understood.new_session;
      const bool intent = understood.kind == RequestKind::intent && understood.new_session &&
                          understood.intent != "AMAZON.FallbackIntent";
      if (!launch && !intent) {
        problems.push_back(at + ": example phrase " + in_quotes(phrase) +
                           " is neither a launch phrase nor a sample of the model "
                           "(certification tries each example phrase)");
      }
    }
  }
  const auto* endpoint = find_path(manifest, {"manifest", "apis", "custom", "endpoint"});
  if (endpoint == nullptr || !endpoint->is_object()) {
    problems.push_back(where + "manifest.apis.custom.endpoint is missing");
  } else {
    const auto uri = endpoint->value("uri", std::string());
    if (!starts_with(uri, "https://")) {
      problems.push_back(where + "apis.custom.endpoint.uri must be an https:// URL");
    }
    const auto ssl = endpoint->value("sslCertificateType", std::string());
    if (std::find(std::begin(kSslCertificateTypes), std::end(kSslCertificateTypes), ssl) ==
        std::end(kSslCertificateTypes)) {
      problems.push_back(where +
                         "apis.custom.endpoint.sslCertificateType must be Trusted, Wildcard "
                         "or SelfSigned");
    }
  }
  const auto* privacy = find_path(manifest, {"manifest", "privacyAndCompliance"});
  for (const auto* flag : {"allowsPurchases", "usesPersonalInfo", "isChildDirected",
                           "isExportCompliant", "containsAds"}) {
    if (privacy == nullptr || !privacy->contains(flag) || !privacy->at(flag).is_boolean()) {
      problems.push_back(where + "privacyAndCompliance." + flag + " must be true or false");
    }
  }
  for (const auto& model : models) {
    if (locales.count(model.locale) == 0) {
      problems.push_back(model.file.string() + ": locale " + model.locale +
                         " is not in skill.json's publishingInformation.locales");
    }
  }
  return locales;
}

// Exercise scripts: every step has words in every locale, each cycle's pattern has a pause
// after every cue, and the plan for every length from one to ten minutes adds up to it.
void check_exercises(const fs::path& content_dir, const std::optional<SpeechCatalog>& catalog,
                     Problems& problems) {
  const auto file = content_dir / "en" / "plans" / "exercises.json";
  std::optional<intents::ExerciseLibrary> library;
  try {
    library.emplace(intents::ExerciseLibrary::load(file));
  } catch (const ContentError& error) {
    problems.push_back(error.what());
    return;
  }
  if (!catalog) return;
  for (const auto& locale : catalog->locales()) {
    const auto& speech = catalog->for_locale(locale);
    for (const auto& exercise : library->all()) {
      const auto where = file.string() + ": " + exercise.id + " in " + locale;
      std::vector<std::string> keys = {exercise.key("name"), exercise.key("intro"),
                                       exercise.key("close")};
      for (const auto& step : exercise.steps) keys.push_back(step.cue);
      bool complete = true;
      for (const auto& key : keys) {
        const auto* variants = speech.find(key);
        if (variants == nullptr || ssml_to_plain_text(variants->front()).empty()) {
          problems.push_back(where + ": " + key + " has no words");
          complete = false;
        }
      }
      if (!complete) continue;
      for (int minutes = intents::ExerciseLibrary::kMinMinutes;
           minutes <= intents::ExerciseLibrary::kMaxMinutes; ++minutes) {
        const auto plan = intents::plan_exercise(exercise, minutes, speech);
        const double asked = 60.0 * minutes;
        if (std::abs(plan.seconds - asked) > 0.15 * asked) {
          problems.push_back(where + ": " + std::to_string(minutes) + " minutes come to " +
                             std::to_string(static_cast<int>(plan.seconds)) +
                             " s spoken, more than 15% off");
        }
      }
    }
  }
}

}  // namespace

std::vector<ExerciseLength> measure_exercises(const SkillCore& core, const std::string& locale) {
  std::vector<ExerciseLength> lengths;
  const auto timestamp = [] { return std::string("2026-01-01T00:00:00Z"); };
  for (const auto& exercise : core.knowledge().exercises.all()) {
    for (int minutes = intents::ExerciseLibrary::kMinMinutes;
         minutes <= intents::ExerciseLibrary::kMaxMinutes; ++minutes) {
      ExerciseLength length{exercise.id, minutes, 0, 0};
      SessionState session;
      session.open = session.is_new = true;
      session.session_id = "amzn1.echo-api.session.check";
      Understanding understood;
      understood.intent = "StartExerciseIntent";
      understood.slots = {
          {"exercise", "EXERCISE", exercise.id, MatchStatus::match, exercise.id, exercise.id},
          {"minutes", "AMAZON.NUMBER", std::to_string(minutes), MatchStatus::none, {}, {}}};
      // Start, then "next" until the exercise is over, as a listener would.
      for (int turn = 0; turn < 100; ++turn) {
        const auto request = make_request(understood, session, {locale, "check", timestamp(), {}});
        auto parsed = parse_envelope(request.dump());
        const auto result =
            core.answer(std::get<Envelope>(parsed), 1, std::chrono::system_clock::now());
        const auto& body = result.response.body;
        length.seconds +=
            spoken_timing(body["response"]["outputSpeech"].value("ssml", std::string())).total();
        ++length.rounds;
        session.is_new = false;
        session.attributes = body.value("sessionAttributes", nlohmann::json::object());
        if (session.attributes.value("state", "") != "exercise") break;
        understood = Understanding{};
        understood.intent = "AMAZON.NextIntent";
      }
      lengths.push_back(length);
    }
  }
  return lengths;
}

std::vector<std::string> check_skill(const fs::path& content_dir, const fs::path& skill_package_dir,
                                     const std::set<std::string, std::less<>>& handled_intents,
                                     const LengthLimits& limits) {
  Problems problems;
  std::optional<SpeechCatalog> catalog;
  try {
    catalog.emplace(SpeechCatalog::load(content_dir));
  } catch (const ContentError& error) {
    problems.push_back(std::string("speech content: ") + error.what());
  }

  std::optional<BuiltinPhrases> phrases;
  std::vector<LocaleModel> models;
  const auto model_dir = skill_package_dir / "interactionModels" / "custom";
  std::error_code ec;
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(model_dir, ec)) {
    if (entry.is_regular_file() && entry.path().extension() == ".json") {
      files.push_back(entry.path());
    }
  }
  if (ec || files.empty()) {
    problems.push_back(model_dir.string() + ": no interaction models (<locale>.json) there");
  }
  // en-US first: the other locales are compared with it.
  std::sort(files.begin(), files.end(), [](const fs::path& a, const fs::path& b) {
    const auto rank = [](const fs::path& p) { return p.stem() == "en-US" ? 0 : 1; };
    return std::make_pair(rank(a), a) < std::make_pair(rank(b), b);
  });
  for (const auto& file : files) {
    try {
      models.push_back({file.stem().string(), file, load_interaction_model(file)});
    } catch (const SkillPackageError& error) {
      problems.push_back(error.what());
    }
  }
  const auto phrases_file = builtin_phrases_path(skill_package_dir);
  if (fs::exists(phrases_file, ec) && !models.empty()) {
    try {
      phrases = load_builtin_phrases(phrases_file, models.front().locale);
    } catch (const SkillPackageError& error) {
      problems.push_back(error.what());
    }
  }

  auto locales = check_manifest(skill_package_dir, models, phrases, problems);
  for (const auto& model : models) {
    locales.insert(model.locale);
    check_model(model, content_dir, catalog, phrases, handled_intents, problems);
  }
  check_same_intents(models, problems);

  const auto folders = scan_content(content_dir);
  check_keys_in_locales(content_dir, folders, locales, problems);
  check_lengths(folders, limits, problems);
  check_exercises(content_dir, catalog, problems);
  return problems;
}

void add_check_flags(CLI::App& app, CheckOptions& options) {
  app.add_option("--content", options.content_dir,
                 "The speech-content folder (default: the source tree's or installed one)")
      ->envname("FEEL_AGAIN_CONTENT");
  app.add_option("--skill-package", options.skill_package_dir,
                 "The ASK CLI skill package folder (default: the source tree's "
                 "intents/skill-package)")
      ->envname("FEEL_AGAIN_SKILL_PACKAGE");
  app.add_flag("--exercise-lengths", options.exercise_lengths,
               "Also print each exercise's spoken length at one to ten minutes, measured from "
               "the SSML the skill answers with");
}

int run_check(CheckOptions& options, std::ostream& out) {
  if (options.content_dir.empty()) options.content_dir = default_content_dir();
  if (options.skill_package_dir.empty()) options.skill_package_dir = default_skill_package_dir();
  if (options.content_dir.empty() || options.skill_package_dir.empty()) {
    out << "feel-again check: give --content and --skill-package (no default found)\n";
    return 1;
  }
  std::set<std::string, std::less<>> handled;
  bool loaded = true;
  try {
    handled = SkillCore::load(options.content_dir)->dispatcher().intents();
  } catch (const std::exception& error) {
    // The handlers are built over the content's knowledge: without it only they go unchecked.
    out << "feel-again check: the skill does not load, so its handlers are not checked: "
        << error.what() << '\n';
    loaded = false;
  }
  const auto problems = check_skill(options.content_dir, options.skill_package_dir, handled);
  if (loaded && options.exercise_lengths) {
    out << "exercise\tminutes\tspoken s\trounds\n";
    for (const auto& length : measure_exercises(*SkillCore::load(options.content_dir), "en-US")) {
      out << length.id << '\t' << length.minutes << '\t' << static_cast<int>(length.seconds)
          << '\t' << length.rounds << '\n';
    }
  }
  for (const auto& problem : problems) out << problem << '\n';
  if (!loaded) return 1;
  if (problems.empty()) {
    out << "feel-again check: no problems in " << options.skill_package_dir << " and "
        << options.content_dir << '\n';
    return 0;
  }
  out << "feel-again check: " << problems.size()
      << (problems.size() == 1 ? " problem" : " problems") << '\n';
  return 1;
}

}  // namespace feel::skill
