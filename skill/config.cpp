#include "skill/config.hpp"

#include <cctype>
#include <filesystem>
#include <fstream>

#include <CLI/CLI.hpp>

#include "skill/local_time.hpp"

namespace feel::skill {
namespace {

namespace fs = std::filesystem;

void require_readable_file(const std::string& path, const char* flag) {
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) {
    throw ConfigError(std::string(flag) + " " + path +
                      ": no such file; give the path of a readable PEM file");
  }
  std::ifstream in(path);
  if (!in) {
    throw ConfigError(std::string(flag) + " " + path +
                      ": cannot be read; check its permissions");
  }
}

}  // namespace

bool is_loopback_host(const std::string& host) {
  return host == "localhost" || host == "::1" || host == "[::1]" || host.rfind("127.", 0) == 0;
}

std::string default_content_dir() {
  std::error_code ec;
  for (const char* candidate : {FEEL_AGAIN_SOURCE_CONTENT_DIR, FEEL_AGAIN_INSTALLED_CONTENT_DIR}) {
    if (fs::is_directory(candidate, ec)) return candidate;
  }
  return {};
}

void validate(ServeConfig& config) {
  if (config.port < 0 || config.port > 65535) {
    throw ConfigError("--port " + std::to_string(config.port) + ": use a port from 1 to 65535");
  }
  if (config.tls_cert.empty() != config.tls_key.empty()) {
    throw ConfigError("give both --tls-cert and --tls-key to serve HTTPS, or neither for HTTP");
  }
  if (config.tls()) {
    require_readable_file(config.tls_cert, "--tls-cert");
    require_readable_file(config.tls_key, "--tls-key");
  }
  if (!config.trusted_roots.empty()) require_readable_file(config.trusted_roots, "--trusted-roots");
  if (!config.cert_fetch_ca.empty()) require_readable_file(config.cert_fetch_ca, "--cert-fetch-ca");
  if (!known_time_zone(config.default_time_zone)) {
    throw ConfigError("--default-time-zone " + config.default_time_zone +
                      ": not a time zone this machine knows (e.g. Europe/London, America/Chicago)");
  }
  if (!config.cert_mirror.empty() && config.cert_mirror.rfind("https://", 0) != 0) {
    throw ConfigError("--cert-mirror " + config.cert_mirror +
                      ": the mirror must be an https:// URL");
  }
  if (config.local_development() && !is_loopback_host(config.host)) {
    throw ConfigError("no --skill-id given while listening on " + config.host +
                      ": give the skill id from the Alexa developer console to verify requests, "
                      "or listen on 127.0.0.1 for local development");
  }
  if (config.threads < 1 || config.threads > 1024) {
    throw ConfigError("--threads " + std::to_string(config.threads) + ": use 1 to 1024");
  }
  if (config.max_connections < config.threads || config.max_connections > 65536) {
    throw ConfigError("--max-connections " + std::to_string(config.max_connections) +
                      ": use at least --threads and at most 65536");
  }
  if (config.log_format != "text" && config.log_format != "json") {
    throw ConfigError("--log-format " + config.log_format + ": use text or json");
  }
  if (config.content_dir.empty()) config.content_dir = default_content_dir();
  std::error_code ec;
  if (config.content_dir.empty() || !fs::is_directory(config.content_dir, ec)) {
    throw ConfigError("--content " + config.content_dir +
                      ": no speech-content folder there; give the path of speech-content/");
  }
}

void add_serve_flags(CLI::App& app, ServeConfig& config) {
  // Each flag reads FEEL_AGAIN_<FLAG> too; a flag on the command line wins.
  const auto env = [](std::string flag) {
    std::string name = "FEEL_AGAIN_";
    for (char c : flag) name += c == '-' ? '_' : static_cast<char>(std::toupper(c));
    return name;
  };
  app.add_option("--host", config.host, "Address to listen on")
      ->envname(env("host"))
      ->capture_default_str();
  app.add_option("--port", config.port, "Port to listen on")
      ->envname(env("port"))
      ->capture_default_str();
  app.add_option("--tls-cert", config.tls_cert,
                 "PEM certificate chain: serve HTTPS (TLS 1.2 or newer). Without it and "
                 "--tls-key the service speaks plain HTTP, for running behind a TLS proxy")
      ->envname(env("tls-cert"));
  app.add_option("--tls-key", config.tls_key, "PEM private key for --tls-cert")
      ->envname(env("tls-key"));
  app.add_option("--skill-id", config.skill_ids,
                 "Accepted applicationId (repeatable; in the environment, comma-separated). "
                 "Without one the service runs in local development mode: verification off, "
                 "loopback only")
      ->envname(env("skill-id"))
      ->delimiter(',');
  app.add_option("--trusted-roots", config.trusted_roots,
                 "PEM bundle of roots trusted for Alexa's signing chain (default: the system "
                 "store)")
      ->envname(env("trusted-roots"));
  app.add_option("--cert-cache", config.cert_cache,
                 "Folder of signing-certificate chains kept under their Amazon file name "
                 "(echo-api-cert-12.pem); a chain found there is used without fetching, a "
                 "fetched chain is written there")
      ->envname(env("cert-cache"));
  app.add_option("--cert-mirror", config.cert_mirror,
                 "Fetch signing chains from URL/<file name> instead of "
                 "https://s3.amazonaws.com/echo.api/<file name> (an egress proxy or mirror); "
                 "the header's URL is still checked")
      ->envname(env("cert-mirror"));
  app.add_option("--cert-fetch-ca", config.cert_fetch_ca,
                 "PEM bundle trusted for the HTTPS server that chains are fetched from (default: "
                 "the system store); for a mirror with a private CA")
      ->envname(env("cert-fetch-ca"));
  app.add_flag("--insecure-no-verify", config.insecure_no_verify,
               "Local development only: accept unsigned requests (simulators do not sign). "
               "Warns at start and on every request")
      ->envname(env("insecure-no-verify"));
  app.add_option("--content", config.content_dir,
                 "The speech-content/ folder (default: the source tree's or the installed one)")
      ->envname(env("content"));
  app.add_option("--db", config.db,
                 "SQLite database of what is kept per person (created with its schema when "
                 "absent; migrated at start)")
      ->envname(env("db"))
      ->capture_default_str();
  app.add_option("--secret-file", config.secret_file,
                 "Server secret that user keys and note encryption derive from (64 hex digits, "
                 "mode 0600; generated on first run when absent). Keep it with the database: "
                 "without it nothing kept can be read")
      ->envname(env("secret-file"))
      ->capture_default_str();
  app.add_option("--default-time-zone", config.default_time_zone,
                 "IANA time zone used when a device's cannot be read in time from the Alexa "
                 "settings API (night-time answers, the dates of check-ins)")
      ->envname(env("default-time-zone"))
      ->capture_default_str();
  app.add_option("--alexa-api-allow", config.alexa_api_allow,
                 "Also allow calling this host (host or host:port, http or https) as a "
                 "request's apiEndpoint, besides Amazon's API hosts: a local stand-in "
                 "(repeatable; in the environment, comma-separated)")
      ->envname(env("alexa-api-allow"))
      ->delimiter(',');
  app.add_option("--threads", config.threads,
                 "Worker threads kept ready; more start on demand up to --max-connections")
      ->envname(env("threads"))
      ->capture_default_str();
  app.add_option("--max-connections", config.max_connections,
                 "Connections served at once; a slow or stalled client holds one, never a "
                 "fresh request")
      ->envname(env("max-connections"))
      ->capture_default_str();
  app.add_option("--log-format", config.log_format, "text or json")
      ->envname(env("log-format"))
      ->capture_default_str();
  app.add_option("--log-level", config.log_level,
                 "trace, debug, info, warn, error, critical or off")
      ->envname(env("log-level"))
      ->capture_default_str();
}

}  // namespace feel::skill
