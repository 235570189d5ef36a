/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

/* Fault tests need to SIGKILL a root helper at a known moment of what it changes on the host, on a fake root or a
 * real kernel, and to know that the kill landed there. Each helper names the moments between two host changes as
 * stop-points, "VERB:STEP" (e.g. "reserve:written"). With VXM_TEST_STOP_AT=VERB:STEP in the environment the process
 * appends the point to the file $VXM_TEST_STOP_MARK (when set) and stops itself with SIGSTOP when it gets there; the
 * test then sees the process stopped, reads the mark and kills it. Without the variable it does nothing. Only root
 * (the unit or the test that starts the helper) sets a root helper's environment. */
void stop_point(const char *point);
