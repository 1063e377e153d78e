// libFuzzer harness: a shard's audit.json (audit/audit), read back and merged as `camlens audit
// --merge` does: the merge summarises every class again (attention, pointing game, SpRAy clusters)
// and writes the merged audit as JSON.
#include <cstddef>
#include <cstdint>
#include <vector>

#include <nlohmann/json.hpp>

#include "audit/audit.h"
#include "core/error.h"
#include "fuzz_support.h"
#include "io/json_fields.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    const nlohmann::json document = camlens::json_fields::parse(camlens::fuzz::as_text(data, size), "audit.json");
    std::vector<camlens::audit::Audit> shards;
    shards.push_back(camlens::audit::audit_from_json(document, "audit.json"));
    const camlens::audit::Audit merged = camlens::audit::merge_audits(std::move(shards));
    camlens::audit::audit_json(merged).dump();
  } catch (const camlens::Error&) {
  }
  return 0;
}
