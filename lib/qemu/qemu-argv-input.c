/* SPDX-License-Identifier: BSD-3-Clause */
/* QEMU arguments for [Input]: one input-linux object per evdev device. The first keyboard grabs all of them
 * (grab_all=on) and carries the toggle that hands keyboard and mouse back and forth between host and guest. */
#include <errno.h>

#include "host/input-access.h"
#include "host/input-discovery.h"
#include "basic/log.h"
#include "basic/macro.h"
#include "qemu/qemu-argv.h"

int qemu_argv_input(QemuArgv *a, const QemuPlan *p) {
        const Guest *g = p->guest;
        if (!g->keyboard_auto && !g->mouse_auto && !g->keyboards && !g->mice)
                return 0;

        /* Exactly what vxm-input@ granted when it ran; discovery otherwise (vxm show, or a unit not started yet). */
        InputDevices l = {};
        int r = input_devices_granted(g->name, &l);
        if (r == -ENOENT)
                r = input_discover(g, &l);
        if (r < 0)
                return log_error_errno(r, "Cannot determine the input devices of guest %s: %m", g->name);

        unsigned kbd = 0, mouse = 0;
        for (size_t i = 0; i < l.n; i++) {
                const InputDevice *d = &l.devices[i];
                OptString o;
                opt_string_init(&o, "input-linux");
                if (d->keyboard)
                        opt_string_addf(&o, "id", "vxm-kbd%u", kbd);
                else
                        opt_string_addf(&o, "id", "vxm-mouse%u", mouse);
                opt_string_add_path(&o, "evdev", d->path);
                if (d->keyboard && kbd == 0) {
                        opt_string_add(&o, "grab_all", "on");
                        opt_string_add(&o, "repeat", "on");
                        opt_string_add(&o, "grab-toggle", g->grab_toggle ? g->grab_toggle : "ctrl-ctrl");
                } else if (d->keyboard)
                        opt_string_add(&o, "repeat", "on");
                d->keyboard ? kbd++ : mouse++;
                qemu_argv_add_opts(a, "-object", &o);
        }
        input_devices_done(&l);
        return 0;
}
