"""The demo community that ``manage.py seed_demo`` loads: people, products and threads.

Nimbus Home, a made-up smart-home company, runs this forum for its thermostat, cameras,
doorbell, hub and app. Everything here is plain data; the command turns it into rows
through ``forum.services``. Times are relative: a thread is asked ``days_ago`` days ago,
an answer ``hours`` after the question, a comment ``hours`` after the post it is on.

The second half holds the word lists the ``--threads N`` benchmark mode builds its
synthetic threads from.
"""

from dataclasses import dataclass

from accounts.roles import Role

# --- People ------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoAccount:
    username: str
    display_name: str
    role: Role
    password: str
    bio: str = ""
    is_superuser: bool = False
    # Reputation history: points carried over from the old support forum (a staff
    # adjustment, months ago), and the days they visited (the last `streak` in a row).
    carried_over: int = 0
    days_visited: int = 0
    streak: int = 0

    @property
    def email(self) -> str:
        return f"{self.username}@example.com"


CUSTOMER_PASSWORD = "customer-demo-pass"  # noqa: S105 - printed for the newcomer on purpose
REP_PASSWORD = "rep-demo-pass"  # noqa: S105
AGENT_PASSWORD = "agent-demo-pass"  # noqa: S105
ADMIN_PASSWORD = "admin-demo-pass"  # noqa: S105

ACCOUNTS = (
    DemoAccount(
        "maria_k",
        "Maria Kowalski",
        Role.CUSTOMER,
        CUSTOMER_PASSWORD,
        "Two kids, one old house, far too many gadgets.",
        days_visited=12,
        streak=3,
    ),
    DemoAccount(
        "tom_h",
        "Tom Hughes",
        Role.CUSTOMER,
        CUSTOMER_PASSWORD,
        "Electrician by day, home automation tinkerer by night.",
        carried_over=620,
        days_visited=48,
        streak=9,
    ),
    DemoAccount(
        "priya_n",
        "Priya Natarajan",
        Role.CUSTOMER,
        CUSTOMER_PASSWORD,
        "Heat pump owner in Minnesota. Yes, it works in winter.",
        carried_over=1450,
        days_visited=75,
        streak=31,
    ),
    DemoAccount(
        "dan_o", "Dan Olsen", Role.CUSTOMER, CUSTOMER_PASSWORD, carried_over=110, days_visited=6
    ),
    DemoAccount(
        "lena_f",
        "Lena Fischer",
        Role.CUSTOMER,
        CUSTOMER_PASSWORD,
        "Renting, so everything I install has to come off again.",
    ),
    DemoAccount(
        "kenji_t",
        "Kenji Tanaka",
        Role.CUSTOMER,
        CUSTOMER_PASSWORD,
        "Home Assistant user. I will ask about local APIs.",
        carried_over=180,
        days_visited=20,
        streak=2,
    ),
    # Joined last week and upvoted one member's answers in a burst: the serial voting case
    # waiting for staff in the admin (Reputation > Gaming cases).
    DemoAccount("quickfan_88", "Quick Fan", Role.CUSTOMER, CUSTOMER_PASSWORD, days_visited=2),
    # Posted the spam answer a brand representative hid as spam.
    DemoAccount("deals_4u", "Deals 4 U", Role.CUSTOMER, CUSTOMER_PASSWORD, days_visited=1),
    DemoAccount(
        "jordan_nimbus",
        "Jordan Ellis",
        Role.BRAND_REPRESENTATIVE,
        REP_PASSWORD,
        "Product specialist for climate devices at Nimbus Home.",
    ),
    DemoAccount(
        "aisha_nimbus",
        "Aisha Rahman",
        Role.BRAND_REPRESENTATIVE,
        REP_PASSWORD,
        "Community manager at Nimbus Home.",
    ),
    DemoAccount(
        "chris_nimbus",
        "Chris Moreno",
        Role.SUPPORT_AGENT,
        AGENT_PASSWORD,
        "Tier 2 support, Nimbus Home.",
    ),
    DemoAccount(
        "rita_admin",
        "Rita Okafor",
        Role.ADMINISTRATOR,
        ADMIN_PASSWORD,
        "Runs this community site.",
        is_superuser=True,
    ),
)

# --- Products and the home page -----------------------------------------------------


@dataclass(frozen=True)
class DemoProduct:
    slug: str
    title: str
    description: str


PRODUCTS = (
    DemoProduct(
        "nimbus-thermostat",
        "Nimbus Thermostat",
        "The Nimbus smart thermostat (2nd and 3rd generation): installation and wiring, "
        "schedules, Eco mode, heat pumps and firmware updates.",
    ),
    DemoProduct(
        "nimbus-cam",
        "Nimbus Cam",
        "Indoor and outdoor Nimbus Cam: live view, recordings, motion and activity zones, "
        "night vision, batteries and storage.",
    ),
    DemoProduct(
        "nimbus-doorbell",
        "Nimbus Doorbell",
        "The wired and battery video doorbell: chimes, power, visitor notifications and "
        "recordings.",
    ),
    DemoProduct(
        "nimbus-hub-and-app",
        "Nimbus Hub & App",
        "The Nimbus Hub and the iOS and Android app: automations, Zigbee, Z-Wave and Matter "
        "devices, sharing and integrations.",
    ),
    DemoProduct(
        "account-and-billing",
        "Account & Billing",
        "Signing in, two-step verification, the Nimbus Protect subscription, invoices and "
        "moving house.",
    ),
)

HOME_INTRO = (
    "<p>Welcome to the <b>Nimbus Home community</b>. Ask about a problem with your "
    "thermostat, camera, doorbell or hub, help other owners, and mark the answer that "
    "solved it so the next person finds it first.</p>"
    "<ul><li>Search first: many questions are already <i>solved</i>.</li>"
    "<li>Answers from Nimbus staff carry a badge.</li>"
    "<li>Be kind; we are all neighbours here.</li></ul>"
)


@dataclass(frozen=True)
class DemoFeature:
    title: str
    text: str
    product: str  # a product slug: the block links to its page


FEATURES = (
    DemoFeature(
        "Thermostat firmware 5.2",
        "E42 errors, heat pump changes and what else is new. Start with the pinned notes.",
        "nimbus-thermostat",
    ),
    DemoFeature(
        "Matter and the Nimbus Hub",
        "Which Matter devices work today, and what is coming to the hub next.",
        "nimbus-hub-and-app",
    ),
    DemoFeature(
        "Billing questions",
        "Double charges, invoices and moving your Nimbus Protect plan to a new home.",
        "account-and-billing",
    ),
)

# --- Threads ---------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoComment:
    author: str
    body: str
    hours: float  # after the post it is on


@dataclass(frozen=True)
class DemoAnswer:
    author: str
    body: str
    hours: float  # after the question
    up: tuple[str, ...] = ()
    down: tuple[str, ...] = ()
    comments: tuple[DemoComment, ...] = ()


@dataclass(frozen=True)
class DemoEdit:
    body: str
    hours: float  # after the question


@dataclass(frozen=True)
class DemoThread:
    product: str
    author: str
    title: str
    body: str
    tags: tuple[str, ...]
    days_ago: float
    me_too: tuple[str, ...] = ()  # "I have this problem too" votes on the question
    comments: tuple[DemoComment, ...] = ()  # under the question
    answers: tuple[DemoAnswer, ...] = ()
    accepted: int | None = None  # index into answers
    accepted_by: str | None = None  # defaults to the asker
    accept_hours: float = 6  # after the accepted answer
    edit: DemoEdit | None = None  # the asker edits the question
    pinned_by: str | None = None
    locked_by: str | None = None
    lock_hours: float = 4  # after the last activity


C = DemoComment
A = DemoAnswer

THREADS = (
    # ---------------------------------------------------------------- Thermostat
    DemoThread(
        product="nimbus-thermostat",
        author="jordan_nimbus",
        title="Read this first: firmware 5.2 rollout notes and known issues",
        body="""Firmware **5.2** for the Nimbus Thermostat (Gen 2 and Gen 3) is rolling out in
waves over the next two weeks. You don't need to do anything: the thermostat installs it
overnight when it is idle.

**What's new**

- Heat pump balance: choose *Max comfort*, *Balanced* or *Max savings*
- Faster wake-up when you walk up to the display
- Schedules can now have up to 8 setpoints per day (was 4)

**Known issues we are working on**

1. Some Gen 3 units show `E42` around 2-3 am and recover by themselves. A fix is in 5.2.1.
2. The humidity reading can be a few percent higher for the first day after the update
   while the sensor recalibrates.

**How to check your version:** *Settings → Device info → Software*. If you see
something we have not listed, start a new thread and mention the version number.""",
        tags=("firmware", "announcement"),
        days_ago=34,
        pinned_by="jordan_nimbus",
        comments=(
            C("kenji_t", "Any ETA for the Gen 2 wave? Mine is still on 5.1.4.", 20),
            C("jordan_nimbus", "@kenji_t Gen 2 starts this week, finishing by the 20th.", 22),
        ),
        answers=(
            A(
                "aisha_nimbus",
                """**Update:** 5.2.1 is now rolling out and fixes the nightly `E42` error.
If your thermostat still shows 5.2.0 after three days, restart it from
*Settings → Reset → Restart* and it will pick up the update within a night.""",
                190,
                up=("maria_k", "tom_h", "priya_n"),
                comments=(C("maria_k", "Got it last night, no E42 since. Thanks!", 30),),
            ),
        ),
    ),
    DemoThread(
        product="nimbus-thermostat",
        author="maria_k",
        title="E42 error on the display every night since the 5.2 update",
        body="""Since my thermostat updated itself last week, the display shows **E42** every
night somewhere between 2 and 3 am. In the morning it is back to normal and the
schedule runs fine, but the app sends me a "Thermostat offline" alert each time.

- Thermostat: Gen 3, firmware 5.2.0
- Router: the one from my ISP, 2.4 GHz and 5 GHz on the same network name

Is this something I should worry about? The house was cold one morning.""",
        tags=("e42", "firmware", "wi-fi"),
        days_ago=31,
        me_too=("tom_h", "dan_o", "lena_f"),
        comments=(
            C("tom_h", "Same here since Tuesday, also a Gen 3. Always around 2:30 am.", 3),
            C("dan_o", "Is your router doing a scheduled reboot at night? Mine was.", 5),
            C("maria_k", "Not that I know of, I checked the router settings.", 7),
        ),
        edit=DemoEdit(
            """Since my thermostat updated itself last week, the display shows **E42** every
night somewhere between 2 and 3 am. In the morning it is back to normal and the
schedule runs fine, but the app sends me a "Thermostat offline" alert each time.

- Thermostat: Gen 3, firmware 5.2.0
- Router: the one from my ISP, 2.4 GHz and 5 GHz on the same network name

Is this something I should worry about? The house was cold one morning.

**Edit:** the app's history shows the heating paused for about 40 minutes each time.""",
            9,
        ),
        answers=(
            A(
                "dan_o",
                """Not a real fix, but what stopped it for me on the old firmware: give the
thermostat a **reserved IP address** (DHCP reservation) in the router. The
nightly lease renewal seems to be what trips it up.""",
                6,
                up=("tom_h",),
                comments=(C("maria_k", "Tried it, still got E42 last night unfortunately.", 20),),
            ),
            A(
                "jordan_nimbus",
                """Thanks for the details, everyone. `E42` means the thermostat lost its
connection to our cloud service and gave up retrying. In 5.2.0 the retry timer was
too short, so a router renewing its DHCP lease at night is enough to trigger it.

**The fix is in 5.2.1**, rolling out now. To get it sooner:

1. Open the app and go to *Settings → Device info → Software*
2. If it says 5.2.0, tap **Check for update**
3. Keep the thermostat on its base for about 10 minutes

Your heating schedule is safe either way: the thermostat keeps running the schedule
offline. The pause some of you saw was the safety timeout, and 5.2.1 removes it too.""",
                26,
                up=("maria_k", "tom_h", "dan_o", "lena_f", "kenji_t"),
                comments=(
                    C("tom_h", "Updated to 5.2.1, two quiet nights so far.", 40),
                    C("jordan_nimbus", "Great, thanks for reporting back Tom.", 42),
                ),
            ),
        ),
        accepted=1,
        accept_hours=50,
    ),
    DemoThread(
        product="nimbus-thermostat",
        author="priya_n",
        title="Heat pump aux heat runs even when it is 45°F outside",
        body="""We have a cold-climate heat pump with electric strips as backup. Our
electricity bill doubled in November and I can see in the app that **aux heat** ran
for hours on days when it was 40-45°F outside. The heat pump alone should handle that
easily.

Wiring: `Y1`, `O/B` (set to O), `W2` for aux, `G`, `C`, `R`.

Is there a setting to stop the thermostat from using aux heat unless it is really
cold?""",
        tags=("heat-pump", "aux-heat", "energy"),
        days_ago=27,
        me_too=("kenji_t",),
        answers=(
            A(
                "lena_f",
                """Yes, there are two settings that matter, both under
*Settings → Equipment → Heat pump*:

- **Aux heat max outdoor temperature** (the "lockout"): above this temperature the
  strips never run. Default is 50°F, which is far too high for a cold-climate unit.
  I have mine at **30°F**.
- **Heat pump balance**: *Max savings* lets the heat pump take longer to reach the
  setpoint before it calls for aux.

Also check that your schedule doesn't jump more than 2-3 degrees at once; a big jump
in the morning is exactly when it reaches for the strips.""",
                4,
                up=("priya_n", "kenji_t", "tom_h"),
                comments=(
                    C("priya_n", "The lockout was at 50°F! Changed it to 30°F.", 2),
                    C(
                        "kenji_t",
                        "Same trick worked for me. Morning recovery is slower but fine.",
                        30,
                    ),
                ),
            ),
            A(
                "tom_h",
                """Just to add: if your installer wired aux to `W1` instead of `W2`, the
thermostat treats it as a second stage instead of aux and the lockout doesn't apply.
Worth a look at the wiring screen.""",
                9,
                up=("lena_f",),
            ),
        ),
        accepted=0,
        accept_hours=72,
    ),
    DemoThread(
        product="nimbus-thermostat",
        author="tom_h",
        title="Do I need a C-wire? Thermostat battery keeps dying",
        body="""Installed a Gen 3 in my parents' house. There is no C-wire at the thermostat
(only `R`, `W`, `Y`, `G`) and every few days the display goes dark with
"Low battery, charging". It works for a while after that.

The old thermostat ran on AA batteries. Do I really need to run a new wire through the
wall?""",
        tags=("c-wire", "wiring", "power"),
        days_ago=24,
        me_too=("maria_k", "dan_o"),
        answers=(
            A(
                "kenji_t",
                """You don't need a new wire: use the **power extender kit** that comes in the
box (the small white module). It goes in the furnace control board and lets the
thermostat use one of the existing wires as a common wire.

Short version:

1. Turn off power to the furnace
2. At the furnace, move the `Y` and `G` wires to the kit, and connect the kit to
   `Y`, `G`, `C` and `R` on the board
3. At the thermostat, nothing changes except the kit's wire going into `C`

The app's installation guide has a diagram for this (*Add device → Thermostat →
No C-wire*).""",
                3,
                up=("tom_h", "maria_k", "chris_nimbus"),
                comments=(C("tom_h", "Did this on Saturday, display has been on for 5 days.", 90),),
            ),
            A(
                "chris_nimbus",
                """To confirm what Kenji wrote: without a C-wire the thermostat "power
steals" through the heating and cooling wires, and some furnaces with electronic
control boards don't allow enough current for that. The power extender kit is the
supported fix.

If the kit went missing, send us a request at support and we will ship one free.""",
                11,
                up=("tom_h", "kenji_t"),
            ),
        ),
        accepted=0,
        accept_hours=95,
    ),
    DemoThread(
        product="nimbus-thermostat",
        author="lena_f",
        title="Schedule ignores my weekend setpoints",
        body="""I set a different schedule for Saturday and Sunday (heat to 68°F at 8 am
instead of 6 am), but on weekends the thermostat still heats up at 6 am like on
weekdays.

The app shows the weekend schedule correctly. I tried deleting it and setting it again.
Firmware 5.2.1.""",
        tags=("schedule",),
        days_ago=19,
        me_too=("priya_n", "maria_k", "dan_o"),
        answers=(
            A(
                "dan_o",
                """Check whether **Early-on** is enabled (*Settings → Schedule → Early-on*).
With it on, the thermostat starts heating early so that it *reaches* 68°F at 8 am.
On a cold morning that can mean it starts at 6 am.""",
                5,
                up=("priya_n",),
                comments=(
                    C(
                        "lena_f",
                        "Early-on is off, and it really sets 68 at 6:00, not a slow ramp.",
                        8,
                    ),
                    C("maria_k", "Do you have a second schedule from the *Away* feature?", 12),
                    C("lena_f", "No, only the one. Still happening this weekend.", 120),
                ),
            ),
        ),
    ),
    DemoThread(
        product="nimbus-thermostat",
        author="kenji_t",
        title="Two thermostats for two zones on one account?",
        body="""We are adding a second zone (upstairs) with its own damper. Can I add a
second Nimbus Thermostat to the same home in the app, and can they share one schedule,
or does each need its own?""",
        tags=("zoning", "setup"),
        days_ago=16,
        answers=(
            A(
                "aisha_nimbus",
                """Yes: up to **20 thermostats** per home. Add the second one with
*Add device → Thermostat* and pick the same home.

Each thermostat keeps its **own schedule**, but you can copy one to the other:
open the upstairs thermostat, *Schedule → ⋯ → Copy from* and choose the downstairs
one. After that they are independent again.

Eco mode and Home/Away apply to the whole home, so both zones switch together.""",
                20,
                up=("tom_h", "kenji_t"),
            ),
        ),
        accepted=0,
        accepted_by="aisha_nimbus",
        accept_hours=96,
    ),
    DemoThread(
        product="nimbus-thermostat",
        author="dan_o",
        title="Humidity reading is 10% higher than my hygrometer",
        body="""The thermostat says **52%** humidity, two separate hygrometers in the same
room say 41-43%. It has been like this for weeks, not just after the update. Is there
a way to calibrate it?""",
        tags=("humidity", "sensor"),
        days_ago=6,
        me_too=("lena_f",),
    ),
    DemoThread(
        product="nimbus-thermostat",
        author="maria_k",
        title="Thermostat stuck on 'Calibrating' after installation",
        body="""New Gen 3, installed yesterday. The display has said **Calibrating…** for
more than 24 hours and the app shows *Setting up*. Heating works if I turn the ring,
but no schedule.

Wires: `R`, `C`, `W1`, `G`. Wi-Fi connected fine during setup.""",
        tags=("installation", "setup"),
        days_ago=4,
        answers=(
            A(
                "dan_o",
                "Honestly, return it and get a new one. Mine did the same and never recovered.",
                2,
                down=("tom_h", "kenji_t"),
                comments=(C("tom_h", "That's a bit drastic before trying a restart.", 1),),
            ),
            A(
                "tom_h",
                """Calibration needs the thermostat to see a full heating cycle. Set it
2-3 degrees above room temperature and leave it alone for an hour. If it still says
*Calibrating*, restart it: press and hold the display for 10 seconds until the logo
appears.""",
                3,
                up=("maria_k", "kenji_t"),
                comments=(C("maria_k", "Trying this tonight, will report back.", 2),),
            ),
        ),
    ),
    # ---------------------------------------------------------------- Cam
    DemoThread(
        product="nimbus-cam",
        author="aisha_nimbus",
        title="How to get help faster: what to include in a camera question",
        body="""To help the community (and us) answer quickly, please include:

- **Which camera**: Indoor, Outdoor (battery) or Outdoor (wired)
- **Firmware and app version**: *Camera → Settings → About*
- **How it connects**: Wi-Fi signal strength shown in *Settings → Network*
- **What you expected and what happened**, with the time if it is about a recording

Screenshots are welcome, but blur anything you wouldn't want to share publicly.""",
        tags=("announcement", "how-to"),
        days_ago=33,
        pinned_by="aisha_nimbus",
        comments=(C("lena_f", "Could you add where to find the camera's MAC address?", 48),),
    ),
    DemoThread(
        product="nimbus-cam",
        author="priya_n",
        title="Outdoor cam goes offline when it drops below freezing",
        body="""My battery Outdoor Cam goes **offline every night** when the temperature
drops below about 25°F. In the morning, once the sun is on it, it comes back. The
battery shows 60-80% when it reconnects.

Is the camera rated for Minnesota winters at all?""",
        tags=("battery", "cold-weather", "offline"),
        days_ago=29,
        me_too=("kenji_t", "lena_f", "maria_k", "dan_o"),
        answers=(
            A(
                "chris_nimbus",
                """The camera itself works down to -4°F, but lithium-ion batteries can't
deliver high current when they are very cold, so the percentage looks fine while the
camera browns out when it tries to connect.

What helps:

1. Use **Power saver** recording in winter (*Settings → Power*), which avoids the
   current spikes from long clips
2. If you can, use the **weatherproof power adapter** so the battery only acts as a
   backup
3. Mount it under an overhang, out of the wind

We are also looking into a firmware change that lowers the peak current when cold.
I'll update this thread when there is news.""",
                8,
                up=("priya_n", "kenji_t", "lena_f"),
                comments=(
                    C("priya_n", "Power saver helped: it only dropped once this week.", 60),
                    C("kenji_t", "Any timeline on the firmware change?", 200),
                ),
            ),
        ),
    ),
    DemoThread(
        product="nimbus-cam",
        author="tom_h",
        title="Motion alerts for every passing car: how do I set up activity zones?",
        body="""The outdoor cam over my driveway sees the street, and I get **30-40 motion
alerts a day** from passing cars. I only care about people on the driveway and at the
door. I found *Activity zones* but it's not obvious how they interact with the alert
settings.""",
        tags=("motion", "notifications", "activity-zones"),
        days_ago=25,
        me_too=("dan_o",),
        answers=(
            A(
                "maria_k",
                """This is what cut mine from dozens to 2-3 a day:

1. *Camera → Settings → Activity zones → Add zone*, and draw it around the driveway
   only. Keep the street outside every zone.
2. In *Notifications*, switch to **Only activity in zones**.
3. Turn **Person alerts** on and **Motion alerts** off. Person detection ignores cars.
4. Lower **Motion sensitivity** one step if trees still trigger it.

Recordings still capture everything, it only changes what notifies you.""",
                2,
                up=("tom_h", "dan_o", "lena_f", "aisha_nimbus"),
                comments=(C("tom_h", "Perfect, step 2 was what I was missing.", 5),),
            ),
        ),
        accepted=0,
        accept_hours=6,
    ),
    DemoThread(
        product="nimbus-cam",
        author="lena_f",
        title="Night vision image is washed out with a white haze",
        body="""My Indoor Cam sits on the windowsill looking out at the garden. During the
day the picture is great, but at night everything is a **white blur**. The night
vision LEDs are on (I can see the red glow).""",
        tags=("night-vision", "image-quality"),
        days_ago=22,
        answers=(
            A(
                "jordan_nimbus",
                """The infrared light from the camera is bouncing off the window glass
straight back into the lens, so the camera is blinded by its own light.

Two options:

- Put the lens **right against the glass** (touching it) and block the gap with a
  bit of black foam or felt, so no IR can reflect back
- Or turn off night vision (*Settings → Night vision → Off*) and use an outdoor light
  with a motion sensor

Indoor cameras aren't really made to look through windows; the Outdoor Cam is
weatherproof if you'd rather mount it outside.""",
                5,
                up=("lena_f", "tom_h"),
                comments=(
                    C("lena_f", "Pressed it against the glass with some felt: crystal clear.", 14),
                ),
            ),
        ),
        accepted=0,
        accept_hours=15,
    ),
    DemoThread(
        product="nimbus-cam",
        author="dan_o",
        title="Where are clips stored and for how long without Nimbus Protect?",
        body="""Before I buy three more cameras: without a Nimbus Protect subscription,
where are recordings stored and how far back can I see them? Is there any local
storage option?""",
        tags=("storage", "subscription", "nimbus-protect"),
        days_ago=20,
        answers=(
            A(
                "aisha_nimbus",
                """Without Nimbus Protect:

| | Free | Nimbus Protect |
| --- | --- | --- |
| Event clips | 3 hours | 30 days |
| Continuous video | no | 10 days (wired cams) |
| Person / package alerts | yes | yes |
| Download clips | yes | yes |

The **wired Outdoor Cam** also has a microSD slot: with a card in it, clips are kept
locally until the card is full, with or without a subscription.""",
                3,
                up=("dan_o", "kenji_t", "maria_k"),
                comments=(C("dan_o", "The microSD slot settles it, thanks.", 4),),
            ),
        ),
        accepted=0,
        accept_hours=5,
    ),
    DemoThread(
        product="nimbus-cam",
        author="kenji_t",
        title="RTSP stream or local access for Home Assistant?",
        body="""Is there any way to get a local video stream from the Nimbus Cam (RTSP,
ONVIF, anything) so I can show it in Home Assistant without going through the cloud?
I'd rather not depend on the internet for a camera inside my house.""",
        tags=("home-assistant", "integration", "rtsp"),
        days_ago=18,
        me_too=("tom_h", "dan_o", "priya_n"),
        comments=(
            C(
                "aisha_nimbus",
                "There is no official local stream today. I've passed this thread on to "
                "the product team.",
                30,
            ),
        ),
        answers=(
            A(
                "tom_h",
                """Not local, but the cloud integration works well enough for me. In
`configuration.yaml`:

```yaml
nimbus_home:
  client_id: !secret nimbus_client_id
  client_secret: !secret nimbus_client_secret
camera:
  - platform: nimbus_home
    stream: hls
```

Live view starts in about 3 seconds on my network.""",
                10,
                up=("kenji_t",),
                comments=(C("kenji_t", "Thanks, I'll use that until there is a local option.", 4),),
            ),
            A(
                "dan_o",
                """Also voting for local RTSP. For now I record the HLS stream with Frigate,
which at least gives me local copies of everything.""",
                40,
                up=("kenji_t", "tom_h"),
            ),
        ),
    ),
    DemoThread(
        product="nimbus-cam",
        author="maria_k",
        title="Live view takes 20+ seconds to load on Android",
        body="""On my Pixel 7 the live view spins for **20-30 seconds** before the picture
appears. On my husband's iPhone on the same Wi-Fi it takes 2 seconds. App version
6.4.1, Android 14. Clearing the app cache didn't help.""",
        tags=("android", "live-view", "app"),
        days_ago=3,
        me_too=("priya_n", "lena_f"),
    ),
    DemoThread(
        product="nimbus-cam",
        author="tom_h",
        title="Camera records my neighbour's yard: can I mask part of the view?",
        body="""My Outdoor Cam covers my side path, but the right third of the picture is
my neighbour's garden. They asked (nicely) whether it records them. Can I black out
part of the image, not just exclude it from motion alerts?""",
        tags=("privacy", "settings"),
        days_ago=12,
        answers=(
            A(
                "priya_n",
                """Yes: **Privacy zones** do exactly that (different from activity zones).
*Camera → Settings → Privacy zones → Add*. Anything inside is blacked out in the live
view *and* in recordings, so it's never stored at all.""",
                6,
                up=("tom_h", "maria_k"),
                comments=(
                    C("tom_h", "Done, and I showed the neighbour the live view. All good.", 20),
                ),
            ),
        ),
        accepted=0,
        accept_hours=22,
    ),
    # ---------------------------------------------------------------- Doorbell
    DemoThread(
        product="nimbus-doorbell",
        author="lena_f",
        title="Doorbell doesn't ring my mechanical chime",
        body="""Installed the wired doorbell in place of the old button. The app rings, the
doorbell lights up, but the **old mechanical chime in the hallway stays silent**.
Transformer is labelled 16V 10VA.""",
        tags=("chime", "wiring", "power"),
        days_ago=30,
        me_too=("dan_o",),
        answers=(
            A(
                "chris_nimbus",
                """Two things to check:

1. In the app, *Doorbell → Settings → Chime type* must be **Mechanical**. The default
   is *None* when the doorbell can't detect a chime during setup.
2. A 10VA transformer is under the minimum. The doorbell needs **16-24V and at least
   20VA** to power itself and ring a mechanical chime. Too little power and it skips
   the chime to stay online.

Replacing the transformer is a quick job for an electrician if you'd rather not.""",
                4,
                up=("lena_f", "tom_h"),
                comments=(
                    C("lena_f", "Chime type was on None! It rings now, quietly.", 3),
                    C("tom_h", "Quiet ring is usually the transformer, 30VA fixed mine.", 6),
                ),
            ),
        ),
        accepted=0,
        accept_hours=8,
    ),
    DemoThread(
        product="nimbus-doorbell",
        author="dan_o",
        title="Battery doorbell drains in 5 days instead of 2 months",
        body="""Fully charged the battery doorbell on Sunday, by Friday it was at 5%. The
box says up to 2 months. We are on a fairly busy street.

Settings I have:

- Motion detection on, sensitivity *High*
- Live view checked a few times a day
- Wi-Fi signal shows 2 bars""",
        tags=("battery", "power"),
        days_ago=21,
        me_too=("maria_k", "priya_n", "kenji_t", "tom_h", "lena_f"),
        answers=(
            A(
                "jordan_nimbus",
                """Those three settings together explain most of it. The "up to 2 months"
figure assumes about 10 events a day with a good signal. Each motion event wakes
the camera and the radio, and a weak signal makes every upload take longer.

- Set **motion sensitivity** to *Medium* and add an activity zone that excludes the
  street
- Turn on **Person-only recording**
- Improve the signal: even one more bar roughly halves the upload time

With those changes most busy-street doorbells last 3-5 weeks.""",
                10,
                up=("dan_o", "kenji_t", "priya_n"),
                comments=(C("dan_o", "Changed everything, 40% used in 9 days now. Better.", 220),),
            ),
            A(
                "kenji_t",
                "A cheap Wi-Fi extender near the front door took mine from 2 to 4 bars and "
                "doubled the battery life.",
                30,
                up=("dan_o",),
            ),
        ),
    ),
    DemoThread(
        product="nimbus-doorbell",
        author="priya_n",
        title="Notifications arrive 10 to 15 seconds after someone presses the button",
        body="""By the time my phone buzzes, the delivery driver has already left. The
doorbell chime inside rings instantly, only the phone notification is late. Both on
Wi-Fi and on mobile data.""",
        tags=("notifications", "latency"),
        days_ago=2,
        me_too=("dan_o", "maria_k"),
    ),
    DemoThread(
        product="nimbus-doorbell",
        author="kenji_t",
        title="Can I use the doorbell without a subscription?",
        body="""What exactly stops working on the doorbell if I don't pay for Nimbus
Protect? I mainly want the button to ring my phone and see who is there.""",
        tags=("subscription", "nimbus-protect"),
        days_ago=17,
        answers=(
            A(
                "tom_h",
                """Without a subscription you still get:

- Ring notifications and **live view**
- Two-way talk
- Motion alerts, with the last **3 hours** of clips

You lose 30-day history, person/package detection in recordings and the quick
replies. For "see who is at the door" the free tier is enough.""",
                1,
                up=("kenji_t", "priya_n"),
            ),
        ),
        accepted=0,
        accept_hours=2,
    ),
    DemoThread(
        product="nimbus-doorbell",
        author="maria_k",
        title="Faceplate is stuck: how do I remove it without breaking it?",
        body="""I need to take the doorbell off to charge it, but the faceplate won't come
off. I'm afraid to force it with a screwdriver. Is there a trick?""",
        tags=("battery", "hardware"),
        days_ago=14,
        answers=(
            A(
                "aisha_nimbus",
                """Use the small **release pin** that came in the box (or a straightened
paper clip):

1. Push it into the hole at the bottom of the doorbell
2. While pushing, slide the faceplate **up** about 5 mm
3. Pull the bottom of the faceplate towards you

Don't lever it with a screwdriver: the clips at the top snap easily.""",
                2,
                up=("maria_k",),
                comments=(C("maria_k", "The hole was hidden under some dirt. Off now!", 1),),
            ),
        ),
        accepted=0,
        accept_hours=1.5,
    ),
    DemoThread(
        product="nimbus-doorbell",
        author="tom_h",
        title="Pre-roll video missing from doorbell recordings",
        body="""The product page mentions 4 seconds of **pre-roll** before motion, but my
clips start when the person is already at the door. Is pre-roll only on the wired
model?""",
        tags=("recording", "settings"),
        days_ago=9,
        answers=(
            A(
                "priya_n",
                """On the battery model pre-roll only works when it's on **wired power**
(the doorbell keeps a rolling buffer, which would drain the battery). If yours is
on battery only, the setting is greyed out under *Recording → Pre-roll*.""",
                12,
                up=("tom_h",),
                comments=(C("tom_h", "Mine is wired though, and the setting is on.", 3),),
            ),
        ),
    ),
    # ---------------------------------------------------------------- Hub & App
    DemoThread(
        product="nimbus-hub-and-app",
        author="jordan_nimbus",
        title="Matter support on the Nimbus Hub: what works today and what is coming",
        body="""Since hub firmware **3.14** the Nimbus Hub is a Matter controller. Today
you can add:

- Matter **plugs, switches and bulbs** (on/off, dimming, colour)
- Matter **contact and motion sensors**
- Matter **thermostats** from other brands (heat/cool setpoints, mode)

Not yet supported, planned for the next releases:

- Matter locks
- Sharing Nimbus devices *to* other Matter controllers (Apple Home, Google Home)

To add a device: *Add device → Matter* and scan the QR code on the device or its box.
Please post one thread per device problem, with the brand and model.""",
        tags=("matter", "announcement", "hub-firmware"),
        days_ago=32,
        pinned_by="jordan_nimbus",
        answers=(
            A(
                "kenji_t",
                """Working well here with: two Eve Energy plugs, a Nanoleaf Essentials bulb
and an Aqara P2 motion sensor. The Aqara took two tries to pair.""",
                30,
                up=("tom_h", "jordan_nimbus"),
            ),
        ),
        comments=(
            C("tom_h", "Any date for sharing to Apple Home?", 6),
            C("jordan_nimbus", "No date yet, but it is being worked on.", 8),
        ),
    ),
    DemoThread(
        product="nimbus-hub-and-app",
        author="kenji_t",
        title="'When everyone leaves' automation triggers while I am still home",
        body="""I have an automation: *When everyone leaves → set thermostat to Eco, arm
cameras*. A few times a week it fires at night **while we're all asleep at home**, and
then everything turns off again a minute later. Two phones in the home, both Android.""",
        tags=("automation", "geofence", "presence"),
        days_ago=26,
        me_too=("maria_k", "priya_n"),
        answers=(
            A(
                "dan_o",
                """Android's battery optimisation kills location updates at night, and the
app then thinks the phone left. On **both** phones:

1. *Settings → Apps → Nimbus → Battery* → **Unrestricted**
2. *Settings → Location → Nimbus* → **Allow all the time** and *Use precise location*
3. In the Nimbus app: *Home → Presence → Home radius*, increase to **250 m**

Since doing this on our three phones we had zero false departures in a month.""",
                5,
                up=("kenji_t", "maria_k", "priya_n"),
                comments=(
                    C(
                        "kenji_t",
                        "It was the battery setting on my wife's phone. Thanks!",
                        48,
                    ),
                ),
            ),
            A(
                "chris_nimbus",
                """Adding to Dan's answer: you can also add a **condition** to the
automation, *"and no motion in the hallway for 10 minutes"*, so a phone glitch
alone can't arm the cameras while someone is moving around at home.""",
                20,
                up=("kenji_t",),
            ),
        ),
        accepted=0,
        accept_hours=50,
    ),
    DemoThread(
        product="nimbus-hub-and-app",
        author="priya_n",
        title="Zigbee devices drop off after hub firmware 3.14",
        body="""After the hub updated to **3.14.0**, four of my eleven Zigbee devices
(all Sonoff door sensors) show *Not responding*. Re-pairing works for a day, then
they drop again. The hub log shows this every few minutes:

```
2024-11-12 03:14:07 zigbee: device 0x4f2a leave indication (rejoin=0)
2024-11-12 03:14:07 zigbee: device 0x4f2a removed from neighbour table
2024-11-12 03:19:33 zigbee: child table full (32/32)
```

Nothing else changed in the house.""",
        tags=("zigbee", "hub-firmware", "connectivity"),
        days_ago=23,
        me_too=("tom_h", "kenji_t", "lena_f"),
        answers=(
            A(
                "jordan_nimbus",
                """Thank you for the log, that line `child table full (32/32)` was the
key. Hub firmware 3.14.0 lowered the number of *sleepy end devices* the hub keeps as
direct children, so battery sensors beyond that limit get pushed off.

**Fixed in 3.14.2**, which is rolling out now and raises the limit back to 64. Until
it reaches you:

- Add a mains-powered Zigbee device (a smart plug) near the sensors; it acts as a
  router and takes children of its own
- Then re-pair the dropped sensors *next to that plug*

I'm marking this as the solution so others with the same log line find it.""",
                18,
                up=("priya_n", "tom_h", "kenji_t", "lena_f"),
                comments=(C("priya_n", "Got 3.14.2 today, all eleven sensors online. 🎉", 70),),
            ),
        ),
        accepted=0,
        accepted_by="jordan_nimbus",
        accept_hours=0.5,
    ),
    DemoThread(
        product="nimbus-hub-and-app",
        author="lena_f",
        title="App crashes on launch after iOS update",
        body="""Since updating my iPhone to the latest iOS, the Nimbus app shows the splash
screen and closes. Reinstalling didn't help. App version 6.4.0.""",
        tags=("ios", "app", "crash"),
        days_ago=15,
        me_too=("maria_k", "tom_h", "dan_o", "kenji_t"),
        answers=(
            A(
                "aisha_nimbus",
                """Sorry about that! It's a crash in 6.4.0 when the app restores a saved
dashboard layout on the new iOS. **6.4.2 is on the App Store now** and fixes it.

If the App Store still offers only 6.4.0, pull down on the *Updates* list to refresh
it. Your devices and automations kept running the whole time.""",
                3,
                up=("lena_f", "maria_k", "tom_h"),
                comments=(C("lena_f", "6.4.2 works, thank you.", 2),),
            ),
        ),
        accepted=0,
        accept_hours=3,
    ),
    DemoThread(
        product="nimbus-hub-and-app",
        author="dan_o",
        title="Is there a local API or webhook for the hub?",
        body="""I'd like to trigger a script on my NAS when the front door sensor opens.
Does the hub offer a **local API or webhooks**, or does everything go through the
cloud?""",
        tags=("api", "integration", "webhooks"),
        days_ago=11,
        me_too=("kenji_t",),
        comments=(
            C(
                "jordan_nimbus",
                "There is no local API today; webhooks from the cloud are the supported way.",
                10,
            ),
        ),
        answers=(
            A(
                "kenji_t",
                """Cloud webhooks work fine for this. Create one in the web dashboard
(*Developer → Webhooks*), then test it with:

```bash
curl -X POST https://api.nimbus.example/v1/webhooks/test \\
  -H "Authorization: Bearer $NIMBUS_TOKEN" \\
  -d '{"event": "contact.opened", "device_id": "front-door"}'
```

Latency is usually under a second.""",
                14,
                up=("dan_o", "tom_h"),
                comments=(C("dan_o", "Works, though I'd still love a local option.", 8),),
            ),
        ),
    ),
    DemoThread(
        product="nimbus-hub-and-app",
        author="maria_k",
        title="Share access with my teenager without making them an admin",
        body="""My son wants to be able to unlock the back door and see the cameras, but I
don't want him to change automations or remove devices. The *Invite* screen only has
*Admin* and *Member*. What can a member do exactly?""",
        tags=("sharing", "permissions"),
        days_ago=1.5,
    ),
    DemoThread(
        product="nimbus-hub-and-app",
        author="tom_h",
        title="Hub shows 'Offline' in the app but all devices still work",
        body="""For two days the app has said **Hub offline**, but my lights, sensors and
automations all work (the automations run on the hub). Ethernet connected, the LED is
solid white. Power-cycling did nothing.""",
        tags=("hub", "offline", "connectivity"),
        days_ago=7,
        me_too=("dan_o",),
        answers=(
            A(
                "kenji_t",
                """Solid white means the hub thinks it's online. Check whether your router
recently enabled **DNS filtering** or a Pi-hole: the hub needs `*.nimbus.example` and
`time.nimbus.example` (for the clock). If the clock is wrong, TLS fails and the app
shows offline.""",
                4,
                up=("tom_h",),
                comments=(C("tom_h", "No Pi-hole here, but I'll check the router.", 2),),
            ),
            A(
                "maria_k",
                "Had this once, it fixed itself after the router got a new public IP. Not "
                "very helpful, sorry.",
                26,
            ),
        ),
    ),
    # ---------------------------------------------------------------- Account & Billing
    DemoThread(
        product="account-and-billing",
        author="dan_o",
        title="Charged twice for Nimbus Protect this month",
        body="""My card statement shows **two charges of $10.00** from Nimbus Home on the
3rd. The app only lists one invoice. How do I get the second one refunded?""",
        tags=("billing", "refund", "nimbus-protect"),
        days_ago=28,
        answers=(
            A(
                "chris_nimbus",
                """Hi Dan, I found the duplicate: it was a payment retry that shouldn't
have gone through after the first one succeeded. I've **refunded the second charge**
today; depending on your bank it shows up in 3-5 business days.

For anyone else seeing this: the affected retries all happened on the 3rd, and we're
refunding them automatically this week.""",
                6,
                up=("dan_o", "maria_k"),
                comments=(C("dan_o", "Refund is on my statement. Thanks Chris!", 80),),
            ),
        ),
        accepted=0,
        accept_hours=82,
    ),
    DemoThread(
        product="account-and-billing",
        author="lena_f",
        title="Lost my phone with the authenticator app and now I am locked out",
        body="""My phone was stolen, and two-step verification on my Nimbus account used an
authenticator app on it. I don't have the backup codes. I can still receive email at
my account's address. How do I get back in?""",
        tags=("account", "two-step-verification", "sign-in"),
        days_ago=13,
        answers=(
            A(
                "chris_nimbus",
                """Sorry to hear about your phone. Here's how recovery works:

1. On the sign-in page, enter your password, then choose **"I can't use my
   authenticator"**
2. We email a recovery link to your account address; it's valid for 1 hour
3. After an identity check (we'll ask for the serial number of one of your devices,
   printed on its base), two-step verification is turned off so you can set it up on
   your new phone

Please don't post serial numbers here: the form asks for it privately.""",
                2,
                up=("lena_f", "maria_k", "aisha_nimbus"),
                comments=(
                    C(
                        "lena_f",
                        "I'm back in and set up 2SV again, with backup codes this time.",
                        20,
                    ),
                ),
            ),
        ),
        accepted=0,
        accept_hours=21,
    ),
    DemoThread(
        product="account-and-billing",
        author="tom_h",
        title="Nimbus Protect price increase is ridiculous",
        body="""Just got the email: Nimbus Protect goes from **$10 to $14 a month**.
That's 40%! What do I get for it? Nothing new as far as I can see. Why should I keep
paying?""",
        tags=("nimbus-protect", "pricing"),
        days_ago=10,
        me_too=("dan_o", "kenji_t", "priya_n"),
        comments=(
            C("dan_o", "Agreed, this feels like a bait and switch.", 1),
            C("kenji_t", "Cancelling if there isn't a grandfathered option.", 2),
            C(
                "aisha_nimbus",
                "Locking this thread: the discussion is going in circles. Feedback about "
                "the plans is always welcome in a new thread.",
                12,
            ),
        ),
        answers=(
            A(
                "dan_o",
                "Switching to annual before the deadline saves $68 next year compared "
                "with monthly at the new price.",
                5,
                up=("tom_h", "priya_n"),
            ),
            A(
                "aisha_nimbus",
                """I understand the frustration, and thanks for keeping it civil. A few
facts:

- The new price applies from your **next renewal after March 1**, not immediately
- **Annual plans** stay at $100/year until your renewal, and annual remains cheaper
  than monthly
- The plan adds **60-day history** (was 30) and person detection for up to 15
  cameras (was 10)

If you want to cancel, *Account → Subscription → Cancel* keeps it active until the
end of the period you paid for.""",
                8,
                up=("priya_n",),
                down=("dan_o", "kenji_t"),
                comments=(
                    C("tom_h", "Annual at the old price until renewal helps a bit. Thanks.", 3),
                ),
            ),
        ),
        locked_by="aisha_nimbus",
        lock_hours=0.1,
    ),
    DemoThread(
        product="account-and-billing",
        author="kenji_t",
        title="How do I download invoices for my business expenses?",
        body="""I run a small office with four cameras and need **PDF invoices** with our
company name and VAT number for the accountant. The app only shows amounts.""",
        tags=("billing", "invoices"),
        days_ago=8,
        answers=(
            A(
                "priya_n",
                """Invoices are only on the website, not in the app:

1. Sign in at the web dashboard
2. *Account → Billing → Invoices*
3. Click **Billing details** first and add the company name and VAT number; invoices
   created after that include them
4. Each invoice has a **Download PDF** button

For older invoices without the company name, support can reissue them.""",
                5,
                up=("kenji_t", "chris_nimbus"),
                comments=(
                    C(
                        "chris_nimbus",
                        "Correct. For reissues, ask in the support form and list the months.",
                        3,
                    ),
                ),
            ),
        ),
        accepted=0,
        accept_hours=7,
    ),
    DemoThread(
        product="account-and-billing",
        author="priya_n",
        title="Can I move my subscription to a new home address?",
        body="""We are moving next month. The cameras come with us. Does the Nimbus Protect
subscription move with the devices, or is it tied to the home/address in the app? I
don't want to lose the recordings from the old house either.""",
        tags=("nimbus-protect", "moving", "account"),
        days_ago=0.8,
    ),
    DemoThread(
        product="account-and-billing",
        author="maria_k",
        title="How do I change the email address on my account?",
        body="""I'm leaving my old email provider. Where do I change the email address I
sign in with? I don't see it under *Account*.""",
        tags=("account", "email"),
        days_ago=5,
        answers=(
            A(
                "lena_f",
                """It's on the website only: *Account → Sign-in & security → Email*. You
get a confirmation link at the new address, and the old one keeps working until you
click it.""",
                3,
                up=("maria_k",),
                comments=(
                    C("maria_k", "Found it, but the link never arrived at the new address.", 6),
                    C("lena_f", "Check the spam folder; mine was there.", 1),
                ),
            ),
        ),
    ),
)

# --- Synthetic threads for ``--threads N`` -------------------------------------------

SYNTHETIC_USERNAME_PREFIX = "synth_"
SYNTHETIC_CUSTOMERS = 160
SYNTHETIC_REPS = 4
SYNTHETIC_AGENTS = 2

FIRST_NAMES = (
    "Alex",
    "Amira",
    "Ben",
    "Carla",
    "Chen",
    "Daria",
    "Diego",
    "Elif",
    "Emma",
    "Farid",
    "Gita",
    "Hannah",
    "Ivan",
    "Jae",
    "Jonas",
    "Karin",
    "Leo",
    "Lucia",
    "Malik",
    "Mei",
    "Nadia",
    "Noah",
    "Olga",
    "Omar",
    "Paula",
    "Quinn",
    "Rosa",
    "Sven",
    "Tariq",
    "Una",
    "Vera",
    "Wei",
    "Yara",
    "Zoe",
)
LAST_NAMES = (
    "Adams",
    "Becker",
    "Costa",
    "Dubois",
    "Eriksen",
    "Ferreira",
    "Garcia",
    "Haddad",
    "Ivanova",
    "Jensen",
    "Kim",
    "Larsen",
    "Moreau",
    "Novak",
    "Okoro",
    "Park",
    "Quist",
    "Rossi",
    "Silva",
    "Tanaka",
    "Usman",
    "Vogel",
    "Weber",
    "Xu",
    "Yilmaz",
    "Zielinski",
)

# Per product: devices, symptoms, triggers and settings the templates fill in.
SYNTHETIC_VOCAB = {
    "nimbus-thermostat": {
        "device": ("thermostat", "Gen 3 thermostat", "Gen 2 thermostat", "remote sensor"),
        "symptom": (
            "shows error E42",
            "loses Wi-Fi every night",
            "ignores the schedule",
            "overshoots the setpoint by 3 degrees",
            "keeps running the fan",
            "won't leave Eco mode",
            "reports the wrong temperature",
            "clicks on and off every few minutes",
            "says 'Low battery'",
            "doesn't start aux heat",
        ),
        "setting": (
            "Early-on",
            "Eco temperatures",
            "Heat pump balance",
            "Aux heat lockout",
            "Fan schedule",
            "Temperature offset",
            "Sensor priority",
        ),
        "tags": ("firmware", "wi-fi", "schedule", "heat-pump", "wiring", "e42", "sensor"),
    },
    "nimbus-cam": {
        "device": ("Indoor Cam", "Outdoor Cam", "wired Outdoor Cam", "battery cam"),
        "symptom": (
            "goes offline at night",
            "misses motion events",
            "sends alerts for every car",
            "records only black video",
            "drains the battery in a week",
            "has a blurry picture",
            "stops recording to the SD card",
            "shows a green tint at night",
            "won't connect after a router change",
        ),
        "setting": (
            "Activity zones",
            "Motion sensitivity",
            "Power saver",
            "Night vision",
            "Privacy zones",
            "Video quality",
            "Person alerts",
        ),
        "tags": ("motion", "battery", "night-vision", "offline", "storage", "notifications"),
    },
    "nimbus-doorbell": {
        "device": ("doorbell", "battery doorbell", "wired doorbell", "chime"),
        "symptom": (
            "doesn't ring the chime",
            "notifies me 15 seconds late",
            "keeps rebooting",
            "drains the battery fast",
            "hums when pressed",
            "records clips without sound",
            "shows 'Low power'",
            "can't be found during setup",
        ),
        "setting": (
            "Chime type",
            "Quick replies",
            "Pre-roll",
            "Motion sensitivity",
            "Ring volume",
            "Do not disturb",
        ),
        "tags": ("chime", "battery", "power", "notifications", "wiring", "recording"),
    },
    "nimbus-hub-and-app": {
        "device": ("hub", "Nimbus app", "Android app", "iPhone app", "Zigbee sensor"),
        "symptom": (
            "shows 'Offline'",
            "runs automations twice",
            "crashes on launch",
            "loses Zigbee devices",
            "won't add a Matter plug",
            "logs me out every day",
            "doesn't update the dashboard",
            "triggers 'Away' while I'm home",
        ),
        "setting": (
            "Home radius",
            "Automation conditions",
            "Background app refresh",
            "Zigbee channel",
            "Notifications",
            "Dashboard layout",
        ),
        "tags": ("automation", "zigbee", "matter", "app", "ios", "android", "connectivity"),
    },
    "account-and-billing": {
        "device": ("account", "subscription", "invoice", "payment method", "sign-in"),
        "symptom": (
            "was charged twice",
            "can't be cancelled",
            "won't accept my card",
            "keeps asking for a code",
            "shows the wrong plan",
            "sends no confirmation email",
            "lists a device I sold",
        ),
        "setting": (
            "Billing details",
            "Two-step verification",
            "Household members",
            "Email preferences",
            "Plan and renewal",
        ),
        "tags": ("billing", "account", "nimbus-protect", "sign-in", "refund"),
    },
}

SYNTHETIC_TITLES = (
    "My {device} {symptom}",
    "{Device} {symptom} since the last update",
    "{Device} {symptom}: any fix?",
    "Why does my {device} {symptom}?",
    "{Device} {symptom} after I changed the router",
    "Help: {device} {symptom} again",
    "{Device} suddenly {symptom}",
    "Second time this month the {device} {symptom}",
)

SYNTHETIC_OPENINGS = (
    "Since {when}, my {device} {symptom}.",
    "Not sure where else to ask: my {device} {symptom}, and it started {when}.",
    "I've had the {device} for {months} months without problems, but since {when} it {symptom}.",
    "Our {device} {symptom}. It happens {often}.",
    "Hoping someone has seen this before. The {device} {symptom}, {often}.",
)
SYNTHETIC_WHEN = (
    "the last firmware update",
    "we changed internet provider",
    "last weekend",
    "the power cut on Tuesday",
    "I moved it to another room",
    "the app updated",
    "the clocks changed",
)
SYNTHETIC_OFTEN = (
    "about once a day",
    "every night",
    "a few times a week",
    "only when it's cold",
    "mostly in the evening",
    "at random",
)
SYNTHETIC_TRIED = (
    "restarted it",
    "removed and re-added it in the app",
    "reset the router",
    "updated the app",
    "changed {setting}",
    "moved it closer to the router",
    "checked the wiring",
    "reinstalled the app",
    "turned {setting} off and on",
)
SYNTHETIC_DETAILS = (
    "Firmware {major}.{minor}.{patch}, app {app}.",
    "Wi-Fi signal shows {bars} bars.",
    "It's on the same network as everything else.",
    "The status light blinks {colour} when it happens.",
    "Nothing else in the house changed.",
)
SYNTHETIC_LOG_LINES = (
    "{date} 0{h}:{m}:{s} WARN net: reconnect attempt {n}",
    "{date} 0{h}:{m}:{s} ERR  cloud: request timed out after {n}s",
    "{date} 0{h}:{m}:{s} INFO sched: setpoint applied",
    "{date} 0{h}:{m}:{s} WARN power: supply voltage low ({n}.2V)",
    "{date} 0{h}:{m}:{s} ERR  auth: token refresh failed (code {n}01)",
)

SYNTHETIC_QUESTION_CLOSINGS = (
    "Any ideas?",
    "Is this a known issue?",
    "What else can I check?",
    "Thanks in advance!",
    "Has anyone found a fix?",
    "Anything I'm missing?",
)
SYNTHETIC_ANSWER_OPENINGS = (
    "Had exactly this last month.",
    "This usually comes down to one setting.",
    "A couple of things to check.",
    "Same here, and this is what fixed it for me.",
    "Try this before anything else.",
    "I think I know what's going on.",
    "Support told me this when I had the same problem.",
    "",
)
SYNTHETIC_ANSWER_STEPS = (
    "Open *Settings → {setting}* and turn it off for a day",
    "Restart the {device} from the app (*Settings → Reset → Restart*)",
    "Give it a reserved IP address in the router",
    "Switch the router to a fixed channel instead of *Auto*",
    "Update the app and check for firmware under *Device info*",
    "Remove the {device} from the app and add it again",
    "Check that **{setting}** matches what you expect",
    "Move the {device} away from the microwave and the fridge",
    "Turn off band steering so it stays on 2.4 GHz",
    "Make sure the phone's battery optimisation doesn't restrict the app",
)
SYNTHETIC_ANSWER_CLOSINGS = (
    "That fixed it for me.",
    "Give it a day after changing it; it needs time to settle.",
    "If none of that helps, post the firmware version here.",
    "Worked on two of mine, the third needed a reset.",
    "Let us know how it goes!",
    "",
)
SYNTHETIC_STAFF_ANSWERS = (
    "Thanks for the report. This matches a known issue in firmware {major}.{minor}, and a "
    "fix is rolling out this week. Until then, **{setting}** is the best workaround.",
    "I've checked our logs for your {device}: it loses its connection to our service "
    "{often}. Please try the steps below and reply here if it continues.",
    "This is expected with {setting} on. We're updating the help article to make it "
    "clearer; turning it off should stop it.",
)
SYNTHETIC_COMMENTS = (
    "Same here.",
    "Did that fix it for good?",
    "Which firmware are you on?",
    "Thanks, trying this tonight.",
    "This worked for me, thank you!",
    "Didn't help in my case, unfortunately.",
    "Any update on this?",
    "Can you post a screenshot of the settings page?",
    "Following, I have the same problem.",
    "Tried **{setting}** as well, no change.",
    "Is this on Wi-Fi or Ethernet?",
    "Happened again last night.",
    "Good tip about `{setting}`, I hadn't seen that.",
    "What does the status light do when it happens?",
    "Confirmed, that's what support told me too.",
)


# Content only some people see (seed_demo's seed_visibility_examples).
# Reputation: the note on the carried-over points, the serial voter and whom they voted
# for, and the badge a brand representative awarded by hand.
CARRIED_OVER_NOTE = "Reputation carried over from the old support forum"
SERIAL_VOTER = "quickfan_88"
SERIAL_VOTED_FOR = "kenji_t"
SERIAL_VOTES = 5
HERO = ("priya_n", "community_hero", "Wrote the heat pump winter guide everyone links to.")

VISIBILITY_EXAMPLES = {
    "spam_product": "nimbus-thermostat",
    "spam_author": "deals_4u",
    "spam_hidden_by": "aisha_nimbus",
    "spam_body": (
        "Cheap replacement faceplates and thermostat covers, 80% off at "
        "best-thermo-deals dot example! Message me for a coupon code."
    ),
    "pending_product": "nimbus-thermostat",
    "pending_author": "lena_f",
    "pending_title": "Can two Nimbus thermostats share one boiler?",
    "pending_body": (
        "We are adding a loft conversion and would like a second thermostat upstairs. "
        "Both would run the same combi boiler. Is that supported, and how do the "
        "schedules interact? Our boiler's manual is here: "
        "https://boiler-manuals.example/combi-24.pdf"
    ),
    "pending_tags": ("boiler", "zones"),
}


# Moderation (seed_demo's seed_moderation_examples): a duplicate closed into its original
# (its "I have this problem too" votes move there), flags waiting in the review queue, a
# newcomer's answer with a link held for review, a warned and a suspended member, the
# canned replies brand representatives use, and the screening lists.
MODERATION_EXAMPLES = {
    "duplicate": {
        "product": "nimbus-thermostat",
        "author": "dan_o",
        "title": "Thermostat goes offline at night and shows E42",
        "body": (
            "Every night around 2 am my thermostat drops off the app and the screen shows "
            "E42. It comes back by itself in the morning. Started after the latest update."
        ),
        "tags": ("e42", "firmware"),
        "me_too": ("lena_f", "kenji_t"),
        "original": "E42 error on the display every night since the 5.2 update",
        "closed_by": "aisha_nimbus",
        "reason": "Same E42 night-time drop as the main thread, which has the fix.",
    },
    "flags": (
        # thread title (its question is flagged), flagger, reason code, text
        (
            "Charged twice for Nimbus Protect this month",
            "kenji_t",
            "needs-staff",
            "A billing problem: only the company can refund this.",
        ),
        (
            "Nimbus Protect price increase is ridiculous",
            "priya_n",
            "rude",
            "The last paragraph is aimed at the support staff personally.",
        ),
        (
            "Nimbus Protect price increase is ridiculous",
            "maria_k",
            "off-topic",
            "",
        ),
    ),
    "held_answer": {
        "thread": "Faceplate is stuck: how do I remove it without breaking it?",
        "author": "lena_f",
        "body": (
            "I had the same problem in my rented flat. This video shows where to press "
            "with a plastic card: https://video.example/faceplate-release"
        ),
    },
    "warned": (
        "quickfan_88",
        "aisha_nimbus",
        "Please vote for answers that helped you rather than for one member: a burst of "
        "votes for the same person is reversed by the moderators.",
    ),
    "suspended": (
        "deals_4u",
        "aisha_nimbus",
        "Advertising in answers after the spam was removed.",
        30,
    ),
    "canned_replies": (
        (
            "Ask for model and firmware",
            "Hi {asker}, thanks for the report. To look into it, could you tell us the "
            "model of your {product} and its firmware version (Settings > About)? "
            "— {moderator}, Nimbus Home",
        ),
        (
            "Passed to the support team",
            "Hi {asker}, this needs a look at your account, so I have passed “{thread}” "
            "to our support team. They will reply here. — {moderator}",
        ),
    ),
    "screening_rules": ((r"\b(keygen|crack(ed)?|warez)\b", True, "pirated software"),),
    "blocked_domains": ("best-thermo-deals.example",),
}


# --- Search and the solution library (seed_demo.seed_library_examples) -------------------
LIBRARY_EXAMPLES = {
    # Words customers use for the same thing, for every product or one.
    "synonyms": (
        (None, "wifi, wi-fi, wlan, wireless"),
        (None, "app, application"),
        ("nimbus-thermostat", "aux, auxiliary, backup heat, emergency heat"),
    ),
    # Solutions the brand team verified: thread title, who, versions, re-check in days
    # (negative: already past, so the solution shows "may be outdated").
    "verified": (
        (
            "E42 error on the display every night since the 5.2 update",
            "jordan_nimbus",
            "5.2, 5.3",
            120,
        ),
        ("Do I need a C-wire? Thermostat battery keeps dying", "jordan_nimbus", "", -10),
        ("Battery doorbell drains in 5 days instead of 2 months", "aisha_nimbus", "2.0", 90),
    ),
    # A solved thread promoted to a curated article and published, by whom.
    "article": ("E42 error on the display every night since the 5.2 update", "aisha_nimbus"),
    # "Did this solve your problem?": thread title, member, helpful, comment.
    "feedback": (
        ("E42 error on the display every night since the 5.2 update", "kenji_t", True, ""),
        (
            "E42 error on the display every night since the 5.2 update",
            "lena_f",
            True,
            "Worked after the 5.3 update too.",
        ),
        (
            "Do I need a C-wire? Thermostat battery keeps dying",
            "dan_o",
            False,
            "I have no C-wire and no adapter in the box.",
        ),
    ),
    # Searches that found nothing, or nothing opened: the content-gap report's first rows.
    "gaps": (
        ("nimbus watch strap", None, 0, 4),
        ("dark mode app", None, 0, 3),
        ("thermostat geofencing radius", "nimbus-thermostat", 2, 2),
    ),
}
