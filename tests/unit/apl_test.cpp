#include "skill/apl.hpp"

#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <nlohmann/json.hpp>
#include <optional>
#include <regex>
#include <set>
#include <string>
#include <vector>

namespace {

using feel::skill::apl_exercise_step;
using feel::skill::apl_rating_chart;
using feel::skill::apl_text_card;
using nlohmann::json;
using Ratings = std::vector<std::optional<int>>;

// Words with everything that could break JSON or APL's text markup, and some non-ASCII.
const std::string kTricky = "He said \"rest\" <b>now</b> & then: d\u00e9j\u00e0 vu \U0001F499";

// What APL's Text shows for a markup string: the three entities it decodes.
std::string shown(std::string text) {
  for (const auto& [entity, character] :
       {std::pair{"&lt;", "<"}, std::pair{"&gt;", ">"}, std::pair{"&amp;", "&"}}) {
    for (auto at = text.find(entity); at != std::string::npos; at = text.find(entity, at + 1)) {
      text.replace(at, std::string(entity).size(), character);
    }
  }
  return text;
}

void collect_strings(const json& j, std::vector<std::string>& out) {
  if (j.is_string()) out.push_back(j.get<std::string>());
  if (j.is_structured()) {
    for (const auto& child : j) collect_strings(child, out);
  }
}

std::vector<std::string> strings_in(const json& j) {
  std::vector<std::string> out;
  collect_strings(j, out);
  return out;
}

void collect_components(const json& j, const std::string& type, std::vector<json>& out) {
  if (j.is_object() && j.value("type", "") == type) out.push_back(j);
  if (j.is_structured()) {
    for (const auto& child : j) collect_components(child, type, out);
  }
}

std::vector<json> components(const json& directive, const std::string& type) {
  std::vector<json> out;
  collect_components(directive.at("document").at("mainTemplate"), type, out);
  return out;
}

void check_render_document(const json& directive, const std::string& token) {
  CHECK(directive.at("type") == "Alexa.Presentation.APL.RenderDocument");
  CHECK(directive.at("token") == token);
  const json& document = directive.at("document");
  CHECK(document.at("type") == "APL");
  CHECK_FALSE(document.at("version").get<std::string>().empty());
  CHECK(document.at("mainTemplate").at("parameters") == json::array({"payload"}));
  CHECK_FALSE(document.at("mainTemplate").at("items").empty());
  CHECK(directive.at("datasources").is_object());
  CHECK(json::parse(directive.dump()) == directive);
}

struct Bar {
  double x;
  double top;
};

std::vector<Bar> bars_of(const json& chart) {
  const auto path = chart.at("datasources").at("chart").at("bars").get<std::string>();
  const std::regex move_to(R"(M([0-9.]+),([0-9.]+))");
  std::vector<Bar> bars;
  for (auto it = std::sregex_iterator(path.begin(), path.end(), move_to);
       it != std::sregex_iterator(); ++it) {
    bars.push_back({std::stod((*it)[1]), std::stod((*it)[2])});
  }
  return bars;
}

const json& bars_graphic(const json& chart) {
  const auto graphics = components(chart, "VectorGraphic");
  REQUIRE(graphics.size() == 1);
  return chart.at("document").at("graphics").at(graphics.front().at("source").get<std::string>());
}

// The day each bar stands on, from its left edge and the width of a day's slot.
std::vector<std::size_t> days_of(const json& chart, std::size_t days) {
  const double slot = bars_graphic(chart).at("width").get<double>() / static_cast<double>(days);
  std::vector<std::size_t> out;
  for (const auto& bar : bars_of(chart)) out.push_back(static_cast<std::size_t>(bar.x / slot));
  return out;
}

const Ratings kFortnight = {3, 4, std::nullopt, 5, 1, 2, std::nullopt, std::nullopt, 3, 3, 5, 1,
                            4, 2};

}  // namespace

TEST_CASE("every directive is an apl render document with a token and a main template", "[apl]") {
  SECTION("text card") {
    check_render_document(apl_text_card("card-1", "Title", "Text"), "card-1");
  }
  SECTION("exercise step") {
    check_render_document(apl_exercise_step("step-1", "Box breathing", "Breathe in", 1, 4),
                          "step-1");
  }
  SECTION("rating chart") {
    check_render_document(apl_rating_chart("chart-1", "Your week", "Last 14 days", kFortnight),
                          "chart-1");
  }
}

TEST_CASE("text with quotes, markup and non-ascii is data in datasources and never in the document",
          "[apl]") {
  json directive;
  SECTION("text card title") { directive = apl_text_card("t", kTricky, "plain"); }
  SECTION("text card text") { directive = apl_text_card("t", "plain", kTricky); }
  SECTION("exercise name") { directive = apl_exercise_step("t", kTricky, "plain", 1, 2); }
  SECTION("exercise step") { directive = apl_exercise_step("t", "plain", kTricky, 1, 2); }
  SECTION("chart title") { directive = apl_rating_chart("t", kTricky, "plain", kFortnight); }
  SECTION("chart caption") { directive = apl_rating_chart("t", "plain", kTricky, kFortnight); }

  const json parsed = json::parse(directive.dump());
  REQUIRE(parsed == directive);
  const auto data = strings_in(parsed.at("datasources"));
  const auto found = std::find_if(data.begin(), data.end(),
                                  [](const std::string& s) { return shown(s) == kTricky; });
  REQUIRE(found != data.end());
  // APL would read a raw "<b>" as markup: it goes in as entities that show as written.
  CHECK(found->find('<') == std::string::npos);
  for (const auto& s : strings_in(parsed.at("document"))) {
    CHECK(s.find("rest") == std::string::npos);
    CHECK(s.find("d\u00e9j\u00e0") == std::string::npos);
  }
}

TEST_CASE("every text in datasources is bound by the document", "[apl]") {
  for (const auto& directive :
       {apl_text_card("t", "Title", "Text"), apl_exercise_step("t", "Name", "Step", 2, 5),
        apl_rating_chart("t", "Title", "Caption", kFortnight)}) {
    const auto document = directive.at("document").dump();
    for (const auto& [source, fields] : directive.at("datasources").items()) {
      for (const auto& [field, value] : fields.items()) {
        CAPTURE(source, field);
        CHECK(document.find("${payload." + source + "." + field + "}") != std::string::npos);
      }
    }
  }
}

TEST_CASE("the exercise step shows its round out of the rounds", "[apl]") {
  const auto directive = apl_exercise_step("t", "Grounding", "Name five things you see", 2, 5);
  const json& step = directive.at("datasources").at("step");
  CHECK(step.at("round") == 2);
  CHECK(step.at("rounds") == 5);
  CHECK(step.at("name") == "Grounding");
  CHECK(step.at("text") == "Name five things you see");
}

TEST_CASE("the chart is a valid avg graphic bound to the ratings", "[apl]") {
  const auto chart = apl_rating_chart("t", "Title", "Last 14 days", kFortnight);
  const json& graphic = bars_graphic(chart);
  CHECK(graphic.at("type") == "AVG");
  CHECK(graphic.at("version") == "1.2");
  CHECK(graphic.at("width").get<double>() > 0);
  CHECK(graphic.at("height").get<double>() > 0);
  REQUIRE_FALSE(graphic.at("items").empty());
  for (const auto& item : graphic.at("items")) {
    CHECK(item.at("type") == "path");
    CHECK(item.at("pathData").is_string());
  }

  // The component passes the datasource's path in as the graphic's parameter.
  const auto parameter = graphic.at("parameters").at(0).at("name").get<std::string>();
  const auto component = components(chart, "VectorGraphic").front();
  CHECK(component.at(parameter) == "${payload.chart." + parameter + "}");
  const auto& items = graphic.at("items");
  CHECK(std::any_of(items.begin(), items.end(), [&](const json& item) {
    return item.at("pathData") == "${" + parameter + "}";
  }));

  for (const auto& bar : bars_of(chart)) {
    CHECK(bar.x >= 0);
    CHECK(bar.x <= graphic.at("width").get<double>());
    CHECK(bar.top >= 0);
    CHECK(bar.top <= graphic.at("height").get<double>());
  }
}

TEST_CASE("the chart draws one bar per rated day, higher for a higher rating", "[apl]") {
  const auto chart = apl_rating_chart("t", "Title", "Last 14 days", kFortnight);
  const auto bars = bars_of(chart);
  std::vector<int> rated;
  for (const auto& rating : kFortnight) {
    if (rating) rated.push_back(*rating);
  }
  REQUIRE(bars.size() == rated.size());
  for (std::size_t a = 0; a < bars.size(); ++a) {
    if (a > 0) CHECK(bars[a].x > bars[a - 1].x);
    for (std::size_t b = 0; b < bars.size(); ++b) {
      CAPTURE(a, b, rated[a], rated[b], bars[a].top, bars[b].top);
      if (rated[a] > rated[b]) CHECK(bars[a].top < bars[b].top);
      if (rated[a] == rated[b]) CHECK(bars[a].top == Approx(bars[b].top));
    }
  }
}

TEST_CASE("days without a check-in leave gaps in the chart", "[apl]") {
  const auto chart = apl_rating_chart("t", "Title", "Last 14 days", kFortnight);
  std::vector<std::size_t> rated_days;
  for (std::size_t day = 0; day < kFortnight.size(); ++day) {
    if (kFortnight[day]) rated_days.push_back(day);
  }
  CHECK(days_of(chart, kFortnight.size()) == rated_days);
}

TEST_CASE("different ratings draw a different chart in the same document", "[apl]") {
  Ratings other = kFortnight;
  other[0] = 5;
  other[2] = 1;
  const auto first = apl_rating_chart("t", "Title", "Caption", kFortnight);
  const auto second = apl_rating_chart("t", "Title", "Caption", other);
  CHECK(first.at("datasources") != second.at("datasources"));
  CHECK(first.at("document") == second.at("document"));
}

TEST_CASE("a chart with no check-ins still renders its title and caption", "[apl]") {
  Ratings ratings;
  SECTION("fourteen missing days") { ratings.assign(14, std::nullopt); }
  SECTION("no days at all") {}

  const auto chart = apl_rating_chart("empty", "Your fortnight", "Last 14 days", ratings);
  check_render_document(chart, "empty");
  CHECK(bars_of(chart).empty());
  CHECK(bars_graphic(chart).at("type") == "AVG");
  CHECK(chart.at("datasources").at("chart").at("caption") == "Last 14 days");
  CHECK(chart.at("datasources").at("chart").at("title") == "Your fortnight");
}

TEST_CASE("each directive serialises well under the response size limit", "[apl]") {
  const std::string long_text(600, 'w');
  Ratings month(31, 5);
  for (std::size_t day = 0; day < month.size(); day += 3) month[day] = std::nullopt;
  for (const auto& directive : {apl_text_card("token", long_text, long_text),
                                apl_exercise_step("token", long_text, long_text, 3, 5),
                                apl_rating_chart("token", long_text, long_text, month)}) {
    CAPTURE(directive.at("datasources").begin().key());
    CHECK(directive.dump().size() < 8 * 1024);
  }
}
