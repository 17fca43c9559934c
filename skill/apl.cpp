#include "skill/apl.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstddef>
#include <nlohmann/json.hpp>
#include <string>

namespace feel::skill {
namespace {

using nlohmann::json;

constexpr std::string_view kAplVersion = "2023.2";

// The chart's drawing space, scaled to the screen by the VectorGraphic. A rating of 5 reaches
// 10 units below the top; the baseline runs under the bars.
constexpr double kChartWidth = 280;
constexpr double kChartBase = 100;
constexpr double kUnitsPerPoint = 18;
constexpr int kChartHeight = 102;

// APL's Text.text is markup: "<b>" turns bold, "<name>" vanishes and "&amp;" becomes "&".
// Words from users and content reach the screen as they were written only if its three
// markup characters go in as entities, which APL decodes.
std::string markup_escaped(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

json text_component(std::string_view binding, std::string_view font_size) {
  return {{"type", "Text"},  {"text", binding},       {"fontSize", font_size},
          {"width", "100%"}, {"textAlign", "center"}, {"color", "#F0F1EF"}};
}

json bold(json component) {
  component["fontWeight"] = "bold";
  return component;
}

// Long words scroll instead of running off the screen; it shrinks to leave the rest visible.
json scrolling(json component) {
  return {{"type", "ScrollView"}, {"width", "100%"},        {"shrink", 1},
          {"paddingTop", "3vh"},  {"paddingBottom", "3vh"}, {"item", std::move(component)}};
}

// A full-screen column, centred, with margins wide enough for the round Echo Spot.
json screen(json items) {
  return {{"type", "Container"},      {"width", "100vw"},       {"height", "100vh"},
          {"paddingLeft", "12vw"},    {"paddingRight", "12vw"}, {"paddingTop", "10vh"},
          {"paddingBottom", "10vh"},  {"alignItems", "center"}, {"justifyContent", "center"},
          {"items", std::move(items)}};
}

json render_document(std::string_view token, json root, json datasources,
                     json graphics = json::object()) {
  json document = {
      {"type", "APL"},
      {"version", kAplVersion},
      {"theme", "dark"},
      {"background", "#1B2A33"},
      {"mainTemplate",
       {{"parameters", json::array({"payload"})}, {"items", json::array({std::move(root)})}}}};
  if (!graphics.empty()) document["graphics"] = std::move(graphics);
  return {{"type", "Alexa.Presentation.APL.RenderDocument"},
          {"token", token},
          {"document", std::move(document)},
          {"datasources", std::move(datasources)}};
}

// Shortest text for value rounded to a tenth ("20", "9.3").
std::string number(double value) {
  char buffer[32];
  const auto end = std::to_chars(buffer, buffer + sizeof buffer, std::round(value * 10) / 10).ptr;
  return {buffer, end};
}

// One closed rectangle per rated day in its slot of the chart's width; nothing for the rest.
std::string bars_path(const std::vector<std::optional<int>>& ratings) {
  std::string path;
  if (ratings.empty()) return path;
  const double slot = kChartWidth / static_cast<double>(ratings.size());
  for (std::size_t day = 0; day < ratings.size(); ++day) {
    if (!ratings[day]) continue;
    const auto left = number((static_cast<double>(day) + 0.2) * slot);
    const auto right = number((static_cast<double>(day) + 0.8) * slot);
    const auto top = number(kChartBase - kUnitsPerPoint * std::clamp(*ratings[day], 1, 5));
    const auto base = number(kChartBase);
    if (!path.empty()) path += ' ';
    path += "M" + left + "," + top + " L" + right + "," + top + " L" + right + "," + base + " L" +
            left + "," + base + " Z";
  }
  return path;
}

json bars_graphic() {
  const auto width = number(kChartWidth);
  const auto baseline = number(kChartBase + 1);
  return {
      {"type", "AVG"},
      {"version", "1.2"},
      {"width", kChartWidth},
      {"height", kChartHeight},
      {"parameters", json::array({{{"name", "bars"}, {"type", "string"}, {"default", ""}}})},
      {"items", json::array({{{"type", "path"},
                              {"pathData", "M0," + baseline + " L" + width + "," + baseline},
                              {"stroke", "#8A9499"},
                              {"strokeWidth", 2}},
                             {{"type", "path"}, {"pathData", "${bars}"}, {"fill", "#7CC4A9"}}})}};
}

}  // namespace

json apl_text_card(std::string_view token, std::string_view title, std::string_view text) {
  json items = json::array({bold(text_component("${payload.card.title}", "7vh")),
                            scrolling(text_component("${payload.card.text}", "5vh"))});
  json data = {{"card", {{"title", markup_escaped(title)}, {"text", markup_escaped(text)}}}};
  return render_document(token, screen(std::move(items)), std::move(data));
}

json apl_exercise_step(std::string_view token, std::string_view name, std::string_view step,
                       int round, int rounds) {
  json items =
      json::array({text_component("${payload.step.name}", "5vh"),
                   scrolling(bold(text_component("${payload.step.text}", "6vh"))),
                   text_component("${payload.step.round} / ${payload.step.rounds}", "5vh")});
  json data = {{"step",
                {{"name", markup_escaped(name)},
                 {"text", markup_escaped(step)},
                 {"round", round},
                 {"rounds", rounds}}}};
  return render_document(token, screen(std::move(items)), std::move(data));
}

json apl_rating_chart(std::string_view token, std::string_view title, std::string_view caption,
                      const std::vector<std::optional<int>>& ratings) {
  json items = json::array({bold(text_component("${payload.chart.title}", "7vh")),
                            {{"type", "VectorGraphic"},
                             {"source", "ratingBars"},
                             {"bars", "${payload.chart.bars}"},
                             {"width", "100%"},
                             {"height", "45vh"},
                             {"scale", "best-fit"},
                             {"align", "center"}},
                            text_component("${payload.chart.caption}", "5vh")});
  json data = {{"chart",
                {{"title", markup_escaped(title)},
                 {"caption", markup_escaped(caption)},
                 {"bars", bars_path(ratings)}}}};
  return render_document(token, screen(std::move(items)), std::move(data),
                         {{"ratingBars", bars_graphic()}});
}

}  // namespace feel::skill
