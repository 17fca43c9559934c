#pragma once

// What a handler may ask of Alexa about the device it is talking through: its time zone and
// reminders. The service answers through the Alexa APIs (app.cpp); OfflineDevice is what a
// handler gets when no API can be reached: the operator's time zone, and no reminders.

#include <chrono>
#include <string>
#include <string_view>

namespace feel::skill {

enum class ApiOutcome { ok, no_permission, failed };

struct ReminderCreated {
  ApiOutcome outcome = ApiOutcome::failed;
  std::string alert_token;
};

class DeviceServices {
 public:
  virtual ~DeviceServices() = default;
  // The device's IANA time zone; the operator's default when the device's is not known in time.
  [[nodiscard]] virtual std::string time_zone() = 0;
  // A reminder every day at hour:minute, local time, saying text.
  [[nodiscard]] virtual ReminderCreated create_daily_reminder(
      int hour, int minute, std::string_view text, std::chrono::system_clock::time_point now) = 0;
  [[nodiscard]] virtual ApiOutcome delete_reminder(std::string_view alert_token) = 0;
};

class OfflineDevice final : public DeviceServices {
 public:
  explicit OfflineDevice(std::string time_zone) : time_zone_(std::move(time_zone)) {}
  [[nodiscard]] std::string time_zone() override { return time_zone_; }
  [[nodiscard]] ReminderCreated create_daily_reminder(int, int, std::string_view,
                                                      std::chrono::system_clock::time_point) override {
    return {};
  }
  [[nodiscard]] ApiOutcome delete_reminder(std::string_view) override { return ApiOutcome::failed; }

 private:
  std::string time_zone_;
};

}  // namespace feel::skill
