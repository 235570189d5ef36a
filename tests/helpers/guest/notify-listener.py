#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
# systemd's side of sd_notify(3), for tests: binds the AF_UNIX datagram socket PATH (writable by everyone, so a helper
# run as another user can send), prints each message on one line (newlines as spaces) to stdout, and closes the file
# descriptors that come with it, as PID 1 does: that is what sd_notify_barrier() waits for. Runs until killed.
import array
import os
import socket
import sys

path = sys.argv[1]
sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
sock.bind(path)
os.chmod(path, 0o777)
print("listening", flush=True)
while True:
    fds = array.array("i")
    msg, ancdata, _, _ = sock.recvmsg(4096, socket.CMSG_SPACE(16 * fds.itemsize))
    for level, kind, data in ancdata:
        if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
            fds.frombytes(data[: len(data) - (len(data) % fds.itemsize)])
    for fd in fds:
        os.close(fd)
    print(msg.decode(errors="replace").replace("\n", " "), flush=True)
