// libFuzzer harness: the listing of a dropped image folder as the page hands it to the training
// session (folder_listing_from_json: class folders, their files, the files skipped), then planned
// as training plans it: checked, sorted, and each class's validation files held out.
#include <cstddef>
#include <cstdint>

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "fuzz_support.h"
#include "io/json_fields.h"
#include "train/image_folder.h"
#include "train/session.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    const nlohmann::json document = camlens::json_fields::parse(camlens::fuzz::as_text(data, size), "folder listing");
    camlens::FolderListing listing = camlens::folder_listing_from_json(document);
    camlens::plan_image_folder(listing, {.validation_fraction = 0.25, .seed = 7});
  } catch (const camlens::Error&) {
  }
  return 0;
}
