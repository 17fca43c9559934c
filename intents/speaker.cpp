#include "intents/speaker.hpp"

#include <functional>

#include "skill/content.hpp"

namespace feel::intents {

std::string Speaker::choose(std::string_view key, const Values& values) {
  const auto& variants = input_.speech.at(key);
  std::size_t index = 0;
  if (variants.size() > 1) {
    auto& said = input_.attributes["_said"];
    if (!said.is_object()) said = nlohmann::json::object();
    const std::string name(key);
    std::optional<std::size_t> last;
    if (const auto it = said.find(name);
        it != said.end() && it->is_number_integer() && it->get<std::int64_t>() >= 0) {
      last = static_cast<std::size_t>(it->get<std::int64_t>());
    }
    index = skill::pick_variant(variants.size(), input_.seed ^ std::hash<std::string_view>{}(key),
                                last);
    said[name] = index;
  }
  return skill::fill_template(variants[index], values);
}

skill::Ssml Speaker::say(std::string_view key, const Values& values) {
  return skill::Ssml::from_trusted(choose(key, values));
}

std::string Speaker::card_text(std::string_view key, const Values& values) {
  return skill::ssml_to_plain_text(choose(key, values));
}

}  // namespace feel::intents
