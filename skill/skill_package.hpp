#pragma once

// The ASK CLI skill package (intents/skill-package/): skill.json and one interaction model per
// locale under interactionModels/custom/, as `feel-again check` and `feel-again say` read them.
// Beside the package, builtin-phrases.json lists what people say for Amazon's built-in intents,
// which Alexa understands without samples; `say` needs it to stand in for Alexa.

#include <filesystem>
#include <map>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace feel::skill {

class SkillPackageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct ModelSlot {
  std::string name;
  std::string type;
};

struct ModelIntent {
  std::string name;
  std::vector<ModelSlot> slots;
  std::vector<std::string> samples;

  [[nodiscard]] const ModelSlot* slot(std::string_view slot_name) const;
};

struct SlotTypeValue {
  std::string id;
  std::string value;
  std::vector<std::string> synonyms;
};

struct SlotType {
  std::string name;
  std::vector<SlotTypeValue> values;
};

// interactionModel.languageModel, without dialog and prompts (the skill uses neither).
struct InteractionModel {
  std::string invocation_name;
  std::vector<ModelIntent> intents;
  std::vector<SlotType> types;

  [[nodiscard]] const ModelIntent* intent(std::string_view name) const;
  [[nodiscard]] const SlotType* type(std::string_view name) const;
};

// Parses a whole interaction model document. Throws SkillPackageError naming the field.
[[nodiscard]] InteractionModel parse_interaction_model(const nlohmann::json& document);
// Reads and parses a model file. Throws SkillPackageError naming the file and the field.
[[nodiscard]] InteractionModel load_interaction_model(const std::filesystem::path& file);

// interactionModels/custom/<locale>.json inside the package.
[[nodiscard]] std::filesystem::path interaction_model_path(const std::filesystem::path& package,
                                                           std::string_view locale);

// What people say to reach Amazon's built-in intents and to start or leave a skill, for one
// language.
struct BuiltinPhrases {
  std::vector<std::string> launch_words;  // "open", "talk to": before the invocation name
  std::vector<std::string> exit_phrases;  // "exit": Alexa ends the session itself
  std::map<std::string, std::vector<std::string>, std::less<>> intents;  // intent -> phrases
};

// builtin-phrases.json beside the package folder.
[[nodiscard]] std::filesystem::path builtin_phrases_path(const std::filesystem::path& package);
// The phrases for a locale's language ("en" for en-GB). Throws SkillPackageError naming the
// file and what is wrong.
[[nodiscard]] BuiltinPhrases load_builtin_phrases(const std::filesystem::path& file,
                                                  std::string_view locale);

// The source tree's intents/skill-package when run from a build tree; empty when it is gone.
[[nodiscard]] std::string default_skill_package_dir();

// Reads a whole JSON file. Throws SkillPackageError naming the file when it cannot be read or
// parsed.
[[nodiscard]] nlohmann::json read_json_file(const std::filesystem::path& file);

}  // namespace feel::skill
