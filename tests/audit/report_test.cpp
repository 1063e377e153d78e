#include "audit/report.h"

#include <doctest/doctest.h>

#include <string>

using namespace camlens;
using namespace camlens::audit;

namespace {

std::vector<std::uint8_t> bytes_of(const std::string& text) { return {text.begin(), text.end()}; }

// Two classes of two images; the first class's maps sit on one corner.
Audit small_audit() {
  Audit audit;
  audit.model = "m/model.json";
  audit.data = "/data";
  audit.method = "grad-cam";
  audit.layer = "conv";
  audit.labels = {"cat", "dog<&>"};
  for (int i = 0; i < 4; ++i) {
    ImageAudit image;
    image.file = (i < 2 ? "cat/" : "dog/") + std::to_string(i) + ".png";
    image.image_class = i < 2 ? 0 : 1;
    image.map = explain::Map(4, 4);
    image.map.at(i < 2 ? 0 : 2, i < 2 ? 3 : 1) = 1.0f;
    image.object = Mask(4, 4);
    image.object.inside[5] = image.object.inside[6] = 1;
    image.coverage = 0.125;
    audit.images.push_back(image);
  }
  summarise(audit);
  return audit;
}

}  // namespace

TEST_CASE("base64: the RFC 4648 test vectors") {
  CHECK(base64(bytes_of("")) == "");
  CHECK(base64(bytes_of("f")) == "Zg==");
  CHECK(base64(bytes_of("fo")) == "Zm8=");
  CHECK(base64(bytes_of("foo")) == "Zm9v");
  CHECK(base64(bytes_of("foobar")) == "Zm9vYmFy");
  CHECK(base64({0xff, 0xfe, 0x00}) == "//4A");
}

TEST_CASE("audit report: one page, every class with its mean map and examples, labels escaped, nothing fetched") {
  const Audit audit = small_audit();
  int loads = 0;
  const std::string html = audit_report_html(audit, [&](const std::string& file) {
    ++loads;
    CHECK((file.rfind("cat/", 0) == 0 || file.rfind("dog/", 0) == 0));
    return file == "cat/0.png" ? Image() : Image(8, 8, 3);  // one image gone: its map is shown alone
  });
  CHECK(loads == 4);
  CHECK(html.rfind("<!doctype html>", 0) == 0);
  CHECK(html.find("<h2>cat") != std::string::npos);
  CHECK(html.find("dog&lt;&amp;&gt;") != std::string::npos);
  CHECK(html.find("dog<&>") == std::string::npos);
  size_t pictures = 0;
  for (size_t at = html.find("data:image/png;base64,"); at != std::string::npos; at = html.find("data:image/png;base64,", at + 1)) ++pictures;
  CHECK(pictures == 2 + 2 * (1 + 2) - (audit.classes[0].clusters.size() == 1 ? 0 : 0));  // per class: mean map, cluster mean, two examples
  CHECK(html.find("http") == std::string::npos);  // opens offline
  CHECK(html.find("4 images, 2 classes") != std::string::npos);
}
