// The order of S3 `sequencer` values, in a form SQL can compare. S3 documents sequencers as
// hexadecimal strings that order the events of one key; they may differ in length, and the
// longer one is not necessarily newer: left-pad the shorter with zeros, then compare. The
// job store keeps each job's sequencer normalized (leading zeros dropped, upper case), and
// for such values "newer" is "longer, or as long and greater byte-wise", which one SQL
// expression can test against an index.
//
// (src/event/event_message.h declares CompareSequencers for the event layer; the jobs layer
// links only util, so it keeps its own. Both follow the same rule.)
//
// Thread safety: pure functions.
#pragma once

#include <string>
#include <string_view>

namespace unpackd {

// `sequencer` without leading zeros ("0" if it was all zeros), hex digits in upper case; ""
// for an empty sequencer or one that is not hexadecimal (its order is unknown).
std::string NormalizeSequencer(std::string_view sequencer);

// Compares two NormalizeSequencer results: negative, zero, positive as `a` is older, the
// same, newer than `b`. Either empty: 0 (unknown order).
int CompareNormalizedSequencers(std::string_view a, std::string_view b);

}  // namespace unpackd
