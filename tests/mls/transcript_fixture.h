/*
 * transcript_fixture.h - the AuthenticatedContent of the MLS
 * transcript-hashes.json vector, test 0 (hex), for test_transcript.c and
 * test_transcript_parts.c.
 */
#ifndef POUCH_TESTS_MLS_TRANSCRIPT_FIXTURE_H
#define POUCH_TESTS_MLS_TRANSCRIPT_FIXTURE_H

#define AC	"00010567726f7570000000000000345601000000000003220220e740a6fa" \
		"f2db65f5853148d75d9a335d7c4b94ab106fe5f237bc34fdcfc745840040" \
		"402280c921b6b2836ed4eca496dfa74a13c171f78b80822894032c4c03cc" \
		"4fb9c24e505c0d0ba4e8edb63a3327442baa12555a57f28e4cfebb4f0c42" \
		"997030e207203a1d8805d8390f441a622f81bcb7347be86db7cc491d0313" \
		"163fa63c2f66aa92"

#endif /* POUCH_TESTS_MLS_TRANSCRIPT_FIXTURE_H */
