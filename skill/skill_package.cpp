#include "skill/skill_package.hpp"

#include <algorithm>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

namespace feel::skill {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

const json& member(const json& object, const char* key, const std::string& where) {
  if (!object.is_object() || !object.contains(key)) {
    throw SkillPackageError(where + "." + key + " is missing");
  }
  return object.at(key);
}

std::string string_at(const json& object, const char* key, const std::string& where) {
  const auto& value = member(object, key, where);
  if (!value.is_string()) throw SkillPackageError(where + "." + key + " must be a string");
  return value.get<std::string>();
}

// An optional array member: absent is empty, anything but an array is an error.
const json& array_at(const json& object, const char* key, const std::string& where) {
  static const json empty = json::array();
  if (!object.contains(key)) return empty;
  const auto& value = object.at(key);
  if (!value.is_array()) throw SkillPackageError(where + "." + key + " must be a list");
  return value;
}

std::vector<std::string> strings_of(const json& list, const std::string& where) {
  if (!list.is_array()) throw SkillPackageError(where + " must be a list");
  std::vector<std::string> out;
  for (std::size_t i = 0; i < list.size(); ++i) {
    if (!list[i].is_string()) {
      throw SkillPackageError(where + "[" + std::to_string(i) + "] must be a string");
    }
    out.push_back(list[i].get<std::string>());
  }
  return out;
}

std::vector<std::string> strings_at(const json& object, const char* key, const std::string& where) {
  return strings_of(array_at(object, key, where), where + "." + key);
}

std::string indexed(const std::string& where, const char* key, std::size_t i) {
  return where + "." + key + "[" + std::to_string(i) + "]";
}

ModelIntent parse_intent(const json& j, const std::string& where) {
  if (!j.is_object()) throw SkillPackageError(where + " must be an object");
  ModelIntent intent;
  intent.name = string_at(j, "name", where);
  const auto& slots = array_at(j, "slots", where);
  for (std::size_t i = 0; i < slots.size(); ++i) {
    const auto slot_where = indexed(where, "slots", i);
    intent.slots.push_back(
        {string_at(slots[i], "name", slot_where), string_at(slots[i], "type", slot_where)});
  }
  intent.samples = strings_at(j, "samples", where);
  return intent;
}

SlotType parse_type(const json& j, const std::string& where) {
  SlotType type;
  type.name = string_at(j, "name", where);
  const auto& values = array_at(j, "values", where);
  for (std::size_t i = 0; i < values.size(); ++i) {
    const auto value_where = indexed(where, "values", i);
    SlotTypeValue value;
    // An id is optional in Alexa's schema; without one, resolutions carry no id.
    if (values[i].is_object() && values[i].contains("id")) {
      value.id = string_at(values[i], "id", value_where);
    }
    const auto& name = member(values[i], "name", value_where);
    value.value = string_at(name, "value", value_where + ".name");
    value.synonyms = strings_at(name, "synonyms", value_where + ".name");
    type.values.push_back(std::move(value));
  }
  return type;
}

std::string language_of(std::string_view locale) {
  return std::string(locale.substr(0, locale.find('-')));
}

}  // namespace

const ModelSlot* ModelIntent::slot(std::string_view slot_name) const {
  const auto it = std::find_if(slots.begin(), slots.end(),
                               [&](const ModelSlot& s) { return s.name == slot_name; });
  return it == slots.end() ? nullptr : &*it;
}

const ModelIntent* InteractionModel::intent(std::string_view name) const {
  const auto it = std::find_if(intents.begin(), intents.end(),
                               [&](const ModelIntent& i) { return i.name == name; });
  return it == intents.end() ? nullptr : &*it;
}

const SlotType* InteractionModel::type(std::string_view name) const {
  const auto it =
      std::find_if(types.begin(), types.end(), [&](const SlotType& t) { return t.name == name; });
  return it == types.end() ? nullptr : &*it;
}

InteractionModel parse_interaction_model(const json& document) {
  const auto& language_model = member(member(document, "interactionModel", "the model"),
                                      "languageModel", "interactionModel");
  const std::string where = "interactionModel.languageModel";
  InteractionModel model;
  model.invocation_name = string_at(language_model, "invocationName", where);
  const auto& intents = array_at(language_model, "intents", where);
  for (std::size_t i = 0; i < intents.size(); ++i) {
    model.intents.push_back(parse_intent(intents[i], indexed(where, "intents", i)));
  }
  const auto& types = array_at(language_model, "types", where);
  for (std::size_t i = 0; i < types.size(); ++i) {
    model.types.push_back(parse_type(types[i], indexed(where, "types", i)));
  }
  return model;
}

json read_json_file(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw SkillPackageError(file.string() + ": cannot be read");
  std::stringstream buffer;
  buffer << in.rdbuf();
  auto document = json::parse(buffer.str(), nullptr, false);
  if (document.is_discarded()) throw SkillPackageError(file.string() + ": not valid JSON");
  return document;
}

InteractionModel load_interaction_model(const fs::path& file) {
  const auto document = read_json_file(file);
  try {
    return parse_interaction_model(document);
  } catch (const SkillPackageError& error) {
    throw SkillPackageError(file.string() + ": " + error.what());
  }
}

fs::path interaction_model_path(const fs::path& package, std::string_view locale) {
  return package / "interactionModels" / "custom" / (std::string(locale) + ".json");
}

fs::path builtin_phrases_path(const fs::path& package) {
  // lexically_normal drops a trailing slash, so parent_path is the folder holding the package.
  return package.lexically_normal().parent_path() / "builtin-phrases.json";
}

BuiltinPhrases load_builtin_phrases(const fs::path& file, std::string_view locale) {
  const auto document = read_json_file(file);
  const auto language = language_of(locale);
  try {
    const auto& set = member(document, language.c_str(), "the file");
    BuiltinPhrases phrases;
    phrases.launch_words = strings_at(set, "launch", language);
    phrases.exit_phrases = strings_at(set, "exit", language);
    const auto& intents = member(set, "intents", language);
    if (!intents.is_object()) throw SkillPackageError(language + ".intents must be an object");
    for (const auto& [name, list] : intents.items()) {
      phrases.intents[name] = strings_of(list, language + ".intents." + name);
    }
    return phrases;
  } catch (const SkillPackageError& error) {
    throw SkillPackageError(file.string() + ": " + error.what());
  }
}

std::string default_skill_package_dir() {
  std::error_code ec;
  if (fs::is_directory(FEEL_AGAIN_SOURCE_SKILL_PACKAGE_DIR, ec)) {
    return FEEL_AGAIN_SOURCE_SKILL_PACKAGE_DIR;
  }
  return {};
}

}  // namespace feel::skill
