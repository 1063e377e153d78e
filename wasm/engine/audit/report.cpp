#include "audit/report.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>

#include "explain/render.h"
#include "image/channels.h"
#include "image/encode.h"
#include "image/preprocess.h"

namespace camlens::audit {

namespace {

std::string escaped(const std::string& text) {
  std::string out;
  for (const char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string png_url(const Image& image) { return "data:image/png;base64," + base64(encode_png(image)); }

std::string percent(double share) {
  char text[16];
  std::snprintf(text, sizeof text, "%.0f%%", 100.0 * share);
  return text;
}

// The map coloured at side x side, the region (in the map's cells) outlined in white.
Image mean_map_picture(const explain::Map& map, const std::optional<Box>& region, int side) {
  Image picture = explain::heatmap_image(explain::postprocess(map, {side, side}));
  if (!region) return picture;
  const double sy = static_cast<double>(side) / map.height, sx = static_cast<double>(side) / map.width;
  const int x0 = static_cast<int>(region->x * sx), y0 = static_cast<int>(region->y * sy);
  const int x1 = std::min(side - 1, static_cast<int>((region->x + region->width) * sx) - 1);
  const int y1 = std::min(side - 1, static_cast<int>((region->y + region->height) * sy) - 1);
  for (int t = 0; t < 2; ++t) {
    for (int x = x0; x <= x1; ++x) {
      std::fill_n(picture.pixel(x, std::min(y1, y0 + t)), 3, std::uint8_t{255});
      std::fill_n(picture.pixel(x, std::max(y0, y1 - t)), 3, std::uint8_t{255});
    }
    for (int y = y0; y <= y1; ++y) {
      std::fill_n(picture.pixel(std::min(x1, x0 + t), y), 3, std::uint8_t{255});
      std::fill_n(picture.pixel(std::max(x0, x1 - t), y), 3, std::uint8_t{255});
    }
  }
  return picture;
}

// The image (the model's crop is the whole image for the audits camlens makes) under its map.
Image example_picture(const Image& image, const explain::Map& map, int side) {
  if (image.empty()) return explain::heatmap_image(explain::postprocess(map, {side, side}));
  const Image shown = explain::fitted_picture(to_rgb(image), side);
  return explain::overlay_image(shown, explain::postprocess(map, {shown.height(), shown.width()}), explain::Colormap::jet,
                                0.5f);
}

std::string class_section(const Audit& audit, const ClassAudit& c, const std::function<Image(const std::string&)>& load,
                          const ReportOptions& options) {
  const ClassAttention& a = c.attention;
  const bool region_flag = a.flagged && a.reason.find("same small region") != std::string::npos;
  std::string html = "<section class=\"class" + std::string(a.flagged ? " flagged" : "") + "\">\n<h2>" +
                     escaped(c.label) + (a.flagged ? " <span class=\"flag\">flagged</span>" : "") + "</h2>\n";
  if (a.flagged) html += "<p class=\"reason\">" + escaped(a.reason) + ".</p>\n";
  html += "<div class=\"summary\"><figure><img alt=\"mean map of " + escaped(c.label) + "\" src=\"" +
          png_url(mean_map_picture(a.mean_map, region_flag ? std::optional<Box>(a.region) : std::nullopt, options.map_side)) +
          "\"><figcaption>mean map" + std::string(region_flag ? ", region outlined" : "") + "</figcaption></figure>\n<dl>" +
          "<dt>images</dt><dd>" + std::to_string(c.images.size()) + "</dd><dt>energy on the object</dt><dd>" +
          percent(a.median_share) + " median, " + percent(a.mean_share) + " mean</dd><dt>peak on the object</dt><dd>" +
          percent(a.pointing_hits) + "</dd><dt>clusters</dt><dd>" + std::to_string(c.clusters.size()) + "</dd></dl></div>\n";
  for (size_t k = 0; k < c.clusters.size(); ++k) {
    const ClusterSummary& cluster = c.clusters[k];
    html += std::string("<div class=\"cluster\"><h3>cluster ") + std::to_string(k + 1) + ": " + std::to_string(cluster.members.size()) +
            " image" + (cluster.members.size() == 1 ? "" : "s") + "</h3>\n<img class=\"mean\" alt=\"cluster mean map\" src=\"" +
            png_url(mean_map_picture(cluster.mean_map, std::nullopt, options.picture_side)) + "\">";
    for (size_t m = 0; m < std::min<size_t>(cluster.members.size(), static_cast<size_t>(options.examples)); ++m) {
      const ImageAudit& image = audit.images[c.images[cluster.members[m]]];
      html += "<img title=\"" + escaped(image.file) + " (on the object " + percent(image.inside_share) + ")\" alt=\"" +
              escaped(image.file) + "\" src=\"" + png_url(example_picture(load(image.file), image.map, options.picture_side)) +
              "\">";
    }
    html += "</div>\n";
  }
  return html + "</section>\n";
}

constexpr const char* kStyle = R"(body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#1b1f24;background:#f5f6f8}
h1{font-size:22px;margin:0 0 4px}section{background:#fff;border-radius:8px;padding:12px 16px;margin:12px 0;
box-shadow:0 1px 2px #0002}section.flagged{border-left:6px solid #c62828}.flag{font-size:12px;color:#fff;
background:#c62828;border-radius:4px;padding:1px 6px;vertical-align:middle}.reason{color:#b71c1c;margin:4px 0}
.summary{display:flex;gap:16px;align-items:flex-start}figure{margin:0}figcaption{font-size:12px;color:#555}
dl{display:grid;grid-template-columns:auto auto;gap:2px 12px;margin:0}dt{color:#555}dd{margin:0}
.cluster{margin-top:8px}.cluster h3{font-size:13px;margin:4px 0}.cluster img{margin:0 4px 4px 0;
image-rendering:pixelated;border-radius:3px}.cluster img.mean{outline:2px solid #333}.meta{color:#555})";

}  // namespace

std::string base64(const std::vector<std::uint8_t>& bytes) {
  static const char* const kDigits = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  for (size_t i = 0; i < bytes.size(); i += 3) {
    const std::uint32_t chunk = (static_cast<std::uint32_t>(bytes[i]) << 16) |
                                (i + 1 < bytes.size() ? static_cast<std::uint32_t>(bytes[i + 1]) << 8 : 0) |
                                (i + 2 < bytes.size() ? bytes[i + 2] : 0);
    out += kDigits[(chunk >> 18) & 63];
    out += kDigits[(chunk >> 12) & 63];
    out += i + 1 < bytes.size() ? kDigits[(chunk >> 6) & 63] : '=';
    out += i + 2 < bytes.size() ? kDigits[chunk & 63] : '=';
  }
  return out;
}

std::string audit_report_html(const Audit& audit, const std::function<Image(const std::string&)>& load,
                              const ReportOptions& options) {
  size_t flagged = 0;
  for (const ClassAudit& c : audit.classes) flagged += c.attention.flagged;
  std::string html = "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>camlens audit: ";
  html += escaped(audit.data);
  html += "</title><style>";
  html += kStyle;
  html += "</style></head><body>\n<h1>camlens audit</h1>\n<p class=\"meta\">";
  html += escaped(audit.model) + " on " + escaped(audit.data) + ": ";
  html += std::to_string(audit.images.size()) + " images, " + std::to_string(audit.classes.size()) + " classes, ";
  html += escaped(audit.method) + " at " + escaped(audit.layer) + ". ";
  html += flagged ? std::to_string(flagged) + (flagged == 1 ? " class flagged." : " classes flagged.") : "No class flagged.";
  if (!audit.skipped.empty()) html += std::string(" ") + std::to_string(audit.skipped.size()) + " files skipped.";
  html += "</p>\n";
  for (const ClassAudit& c : audit.classes) html += class_section(audit, c, load, options);
  return html + "</body></html>\n";
}

}  // namespace camlens::audit
