// FUNCTION DUMP / RESTORE payloads: see function_payload.h for the layout.
//
// The checks run in Redis's order (length, version, CRC, then each record),
// so that a payload wrong in several ways draws the same first error from
// Shoal as from redis-server. The texts were checked against redis-server
// 7.0.15 and the 7.2+ sources.
#include "server/serialize/function_payload.h"

#include <utility>

#include "server/serialize/crc64.h"
#include "server/serialize/rdb_string.h"

namespace shoal {
namespace {

constexpr size_t kFooterSize = 10;  // 2 bytes version + 8 bytes CRC

uint64_t LoadLittleEndian(std::string_view bytes) {
  uint64_t v = 0;
  for (size_t i = bytes.size(); i-- > 0;) v = (v << 8) | static_cast<uint8_t>(bytes[i]);
  return v;
}

void AppendLittleEndian(uint64_t v, int width, std::string* out) {
  for (int i = 0; i < width; ++i) out->push_back(static_cast<char>(v >> (8 * i)));
}

bool FooterIsValid(std::string_view payload, const FunctionPayloadOptions& options) {
  if (payload.size() < kFooterSize) return false;
  const std::string_view footer = payload.substr(payload.size() - kFooterSize);
  if (LoadLittleEndian(footer.substr(0, 2)) > options.max_rdb_version) return false;
  const uint64_t stored_crc = LoadLittleEndian(footer.substr(2));
  if (stored_crc == 0 && options.zero_crc_skips_check) return true;
  return Crc64(0, payload.substr(0, payload.size() - 8)) == stored_crc;
}

// Reads a 7.0-rc record (after its opcode) and rebuilds the source text that
// the GA format stores: "#!<engine> name=<name>\n<code>". The description is
// dropped, as Redis 7.0 drops it.
bool ReadPreGaRecord(RdbReader* reader, std::string* code, std::string* err) {
  std::string name, engine, description, body;
  if (!reader->ReadString(&name)) {
    *err = "ERR Failed loading library name";
    return false;
  }
  if (!reader->ReadString(&engine)) {
    *err = "ERR Failed loading engine name";
    return false;
  }
  uint64_t has_description;
  if (!reader->ReadLength(&has_description, nullptr)) {
    *err = "ERR Failed loading library description indicator";
    return false;
  }
  if (has_description != 0 && !reader->ReadString(&description)) {
    *err = "ERR Failed loading library description";
    return false;
  }
  if (!reader->ReadString(&body)) {
    *err = "ERR Failed loading library blob";
    return false;
  }
  *code = "#!" + engine + " name=" + name + "\n" + body;
  return true;
}

}  // namespace

std::string DumpFunctions(const std::vector<std::string>& library_codes, uint16_t rdb_version) {
  std::string out;
  for (const std::string& code : library_codes) {
    out.push_back(static_cast<char>(kRdbOpcodeFunction2));
    AppendRdbRawString(code, &out);
  }
  AppendLittleEndian(rdb_version, 2, &out);
  AppendLittleEndian(Crc64(0, out), 8, &out);
  return out;
}

bool ParseFunctionPayload(std::string_view payload, std::vector<std::string>* library_codes,
                          std::string* err, const FunctionPayloadOptions& options) {
  if (!FooterIsValid(payload, options)) {
    *err = kErrBadPayloadFooter;
    return false;
  }
  // The reader spans the footer too: Redis reads records from the whole
  // buffer and only stops once no more than the footer is left.
  RdbReader reader(payload);
  std::vector<std::string> codes;
  while (reader.remaining() > kFooterSize) {
    uint8_t opcode;
    if (!reader.ReadByte(&opcode)) {  // unreachable while remaining() > 10
      *err = "ERR can not read data type";
      return false;
    }
    std::string code;
    if (opcode == kRdbOpcodeFunctionPreGa) {
      if (!options.accept_pre_ga) {
        *err = kErrPreGaUnsupported;
        return false;
      }
      if (!ReadPreGaRecord(&reader, &code, err)) return false;
    } else if (opcode != kRdbOpcodeFunction2) {
      *err = kErrNotAFunction;
      return false;
    } else if (!reader.ReadString(&code)) {
      *err = kErrBadLibraryPayload;
      return false;
    }
    codes.push_back(std::move(code));
  }
  *library_codes = std::move(codes);
  return true;
}

}  // namespace shoal
