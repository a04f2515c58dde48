// StreamSettings: stream-node-max-bytes / stream-node-max-entries, one set per
// process. server/config.cc registers them as config parameters; XADD reads
// them (relaxed loads) on every append, so CONFIG SET applies to the next
// write. Header-only so that the config library needs no link to commands.
#ifndef SHOAL_SERVER_COMMANDS_STREAM_SETTINGS_H_
#define SHOAL_SERVER_COMMANDS_STREAM_SETTINGS_H_

#include <atomic>
#include <cstdint>

namespace shoal {

struct StreamSettings {
  std::atomic<int64_t> node_max_bytes{4096};
  std::atomic<int64_t> node_max_entries{100};
};

inline StreamSettings& ProcessStreamSettings() {
  static StreamSettings settings;
  return settings;
}

}  // namespace shoal

#endif  // SHOAL_SERVER_COMMANDS_STREAM_SETTINGS_H_
