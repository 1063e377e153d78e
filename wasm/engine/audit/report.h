#pragma once
// An audit as a static HTML page that opens offline (every picture inside it as a PNG data URL):
// flagged classes first, each class's mean map with its region drawn, its clusters with their mean
// maps and contact sheets of example images under their maps.
#include <functional>
#include <string>

#include "audit/audit.h"
#include "image/image.h"

namespace camlens::audit {

struct ReportOptions {
  int examples = 8;       // per cluster
  int picture_side = 96;  // an example's longest side
  int map_side = 128;     // a mean map's side
};

// `load` gives an image by its file (as the audit names it), or an empty Image when it cannot:
// the report then shows the map alone.
std::string audit_report_html(const Audit& audit, const std::function<Image(const std::string&)>& load,
                              const ReportOptions& options = {});

// The bytes as base64, for data URLs.
std::string base64(const std::vector<std::uint8_t>& bytes);

}  // namespace camlens::audit
