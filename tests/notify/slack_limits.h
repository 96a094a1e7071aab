// Checks a Slack message against Block Kit's documented limits (docs.slack.dev: header text
// 150 characters, section text 3000, 10 fields of 2000, 50 blocks) and that every text is
// well-formed UTF-8: what Slack would reject, as gtest failures.
#pragma once

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "notify/utf8_text.h"

namespace unpackd::notify::testing {

inline bool IsWellFormedUtf8(std::string_view text) {
  for (size_t i = 0; i < text.size();) {
    const auto lead = static_cast<unsigned char>(text[i]);
    const size_t length = lead < 0x80    ? 1
                          : lead >= 0xF5 ? 0
                          : lead >= 0xF0 ? 4
                          : lead >= 0xE0 ? 3
                          : lead >= 0xC2 ? 2
                                         : 0;
    if (length == 0 || i + length > text.size()) return false;
    for (size_t k = 1; k < length; ++k) {
      if ((static_cast<unsigned char>(text[i + k]) & 0xC0) != 0x80) return false;
    }
    i += length;
  }
  return true;
}

inline void ExpectText(const nlohmann::json& text_object, size_t limit, const std::string& where) {
  ASSERT_TRUE(text_object.is_object()) << where;
  const std::string text = text_object.at("text").get<std::string>();
  EXPECT_FALSE(text.empty()) << where;
  EXPECT_LE(Utf16Length(text), limit) << where;
  EXPECT_TRUE(IsWellFormedUtf8(text)) << where;
  EXPECT_EQ(text.find("\xEF\xBF\xBD"), std::string::npos) << where << ": a replaced character";
}

inline void ExpectWithinSlackLimits(const std::string& message_json) {
  // Parsing also rejects malformed UTF-8 anywhere in the body.
  const nlohmann::json message = nlohmann::json::parse(message_json);
  ASSERT_TRUE(message.contains("text"));
  EXPECT_TRUE(IsWellFormedUtf8(message["text"].get<std::string>()));
  const nlohmann::json& blocks = message.at("blocks");
  ASSERT_TRUE(blocks.is_array());
  EXPECT_GE(blocks.size(), 1u);
  EXPECT_LE(blocks.size(), 50u);
  for (size_t i = 0; i < blocks.size(); ++i) {
    const nlohmann::json& block = blocks[i];
    const std::string where = "block " + std::to_string(i);
    const std::string type = block.at("type");
    if (type == "header") {
      EXPECT_EQ(block["text"]["type"], "plain_text");
      ExpectText(block["text"], 150, where);
    } else if (type == "section") {
      if (block.contains("text")) ExpectText(block["text"], 3000, where);
      if (block.contains("fields")) {
        EXPECT_LE(block["fields"].size(), 10u) << where;
        for (const auto& field : block["fields"]) ExpectText(field, 2000, where + " field");
      }
      EXPECT_TRUE(block.contains("text") || block.contains("fields")) << where;
    } else if (type == "context") {
      EXPECT_LE(block["elements"].size(), 10u) << where;
      for (const auto& element : block["elements"]) ExpectText(element, 3000, where);
    } else {
      ADD_FAILURE() << where << ": unexpected block type " << type;
    }
  }
}

}  // namespace unpackd::notify::testing
