// The order of S3 event `sequencer` values. S3 documents them as hexadecimal strings that order
// the events of one key; they may differ in length, and AWS's rule ("Event message structure",
// Amazon S3 User Guide) is to right-pad the shorter with zeros and then compare. Other servers
// may send lower case. Kept in util because two layers need the same rule: events compare what
// they carry, and the job store compares in SQL what it recorded.
//
// Thread safety: pure functions.
#pragma once

#include <string>
#include <string_view>

namespace unpackd {

// `sequencer` in upper case without trailing zeros ("0" if it was all zeros), or "" for an
// empty sequencer or one that is not hexadecimal (its order is unknown). Two normalized values
// order as AWS's rule orders the originals under plain byte-wise comparison (digits sort before
// letters in ASCII, as in hex), so SQL can compare them with `<` and an index.
std::string NormalizeSequencer(std::string_view sequencer);

// Negative, zero or positive as `a` is older than, the same as or newer than `b`; 0 when either
// order is unknown (empty or not hexadecimal).
int CompareSequencers(std::string_view a, std::string_view b);

}  // namespace unpackd
