"""Write tests/data/checks/drafts.jsonl, the labelled evaluation set of draft police posts, and
drafts_dev.jsonl, the development set (`DEV` below).

Each template below was written by hand in the style of real UK police posts (appeals, charges, court
results, incident updates, missing people, road closures, community engagement, fraud advice). Each is
rendered several times with different slot values (names, ages, streets, towns, courts, vehicles, numbers)
drawn with a fixed seed, so the file is reproducible: `python scripts/make_check_drafts.py`.

Gold spans are marked in the templates as `[[risk|text]]`; the markers are removed and their offsets kept.
Phone numbers come from Ofcom's ranges reserved for drama, e-mail addresses and people are invented.
"""

from __future__ import annotations

import random
import re
from pathlib import Path

import orjson

OUT = Path(__file__).resolve().parents[1] / "tests" / "data" / "checks" / "drafts.jsonl"
DEV_OUT = OUT.with_name("drafts_dev.jsonl")
SEED = 13
COPIES = 4

FIRST_M = ["James", "Daniel", "Mohammed", "Ryan", "Liam", "Connor", "Kieran", "Tom", "Jack", "Callum", "Adam",
           "Marcus", "Imran", "Lee", "Shaun", "Dylan", "Reece", "Kwame", "Tyler", "Harvey"]
FIRST_F = ["Sarah", "Emma", "Chloe", "Aisha", "Priya", "Megan", "Laura", "Jade", "Hannah", "Zara", "Lucy",
           "Kirsty", "Fatima", "Gemma", "Molly", "Ellie"]
SURNAMES = ["Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Evans", "Thomas", "Roberts", "Khan",
            "Patel", "Hussain", "Walker", "Wright", "Robinson", "Thompson", "Hughes", "Edwards", "Green",
            "Hall", "Wood", "Harris", "Clarke", "Jackson", "Turner", "O'Brien", "McDonald", "Begum", "Okafor",
            "Kowalski", "Murphy", "Price"]
STREETS = ["Oak Road", "Station Road", "Church Street", "Victoria Avenue", "Elm Grove", "Mill Lane",
           "Park Crescent", "Queen Street", "Manor Close", "Highfield Drive", "Albert Terrace", "Meadow Way",
           "Kings Road", "Chapel Lane", "Clarence Street", "Beech Avenue"]
TOWNS = ["Bristol", "Leeds", "Swindon", "Bradford", "Gloucester", "Barnsley", "Wakefield", "Bath", "Taunton",
         "Huddersfield", "Halifax", "Weston-super-Mare", "Yeovil", "Keighley", "Cheltenham"]
COURTS = ["Bristol Magistrates' Court", "Leeds Crown Court", "Swindon Magistrates' Court", "Bradford Crown Court",
          "Gloucester Crown Court", "Taunton Crown Court", "Kirklees Magistrates' Court"]
OFFENCES = ["burglary", "robbery", "assault occasioning actual bodily harm", "possession of a bladed article",
            "theft from a motor vehicle", "criminal damage", "dangerous driving", "possession with intent to supply",
            "wounding with intent", "fraud by false representation"]
CARS = ["silver Ford Focus", "black Audi A3", "white Vauxhall Corsa", "blue BMW 3 Series", "red Nissan Qashqai",
        "grey Volkswagen Golf", "white Transit van", "black Range Rover Sport"]
ROADS = ["A38", "A4174", "M62", "A64", "M5", "A420", "A629", "B3130", "A46", "M4"]
SCHOOLS = ["Hillside Academy", "St Mary's School", "Oakwood High School", "Kingsfield Academy", "Brunel College"]
STATIONS = ["Trinity Road Police Station", "Elland Road Police Station", "Gablecross Police Station",
            "Keighley Police Station", "Taunton Police Station"]
RANKS = ["DC", "PC", "DS", "Insp", "Sgt", "PCSO", "DCI"]
CONDITIONS = ["serious but stable condition", "a critical condition", "hospital with life-threatening injuries"]
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December"]
LETTERS = "ABCDEFGHJKLMNOPRSTUVWXY"


def draw(rng: random.Random) -> dict[str, str]:
    """One set of slot values."""
    sur, sur2 = rng.sample(SURNAMES, 2)
    m, m2 = rng.sample(FIRST_M, 2)
    f, f2 = rng.sample(FIRST_F, 2)
    outward = rng.choice(["BS5", "LS9", "SN2", "BD3", "GL1", "S70", "WF1", "BA2", "TA1", "HD1", "HX3", "BS23"])
    day = rng.randint(1, 28)
    return {
        "man": f"{m} {sur}", "man2": f"{m2} {sur2}", "woman": f"{f} {sur2}", "woman2": f"{f2} {sur}",
        "m": m, "f": f, "sur": sur,
        "age": str(rng.randint(19, 67)), "age2": str(rng.randint(19, 67)), "young": str(rng.randint(12, 17)),
        "young2": str(rng.randint(12, 17)),
        "street": rng.choice(STREETS), "street2": rng.choice(STREETS), "town": rng.choice(TOWNS),
        "court": rng.choice(COURTS), "offence": rng.choice(OFFENCES), "car": rng.choice(CARS),
        "road": rng.choice(ROADS), "school": rng.choice(SCHOOLS), "station": rng.choice(STATIONS),
        "rank": rng.choice(RANKS), "officer": f"{rng.choice(FIRST_M + FIRST_F)} {rng.choice(SURNAMES)}",
        "condition": rng.choice(CONDITIONS),
        "house": str(rng.choice([rng.randint(1, 40), rng.randint(41, 250)])),
        "vrm": f"{rng.choice(['AB', 'WR', 'YK', 'BD', 'LS', 'FV', 'KP', 'SN'])}{rng.choice(['19', '68', '21', '15', '72', '07'])} "
               f"{''.join(rng.choice('ABCDEFGHJKLMNPRSTUVWXYZ') for _ in range(3))}",
        "mobile": f"07700 900{rng.randint(0, 999):03d}",
        "mobile2": f"07700900{rng.randint(0, 999):03d}",
        "landline": rng.choice([f"0117 496 {rng.randint(0, 999):04d}", f"0113 496 {rng.randint(0, 999):04d}",
                                f"01632 960{rng.randint(0, 999):03d}", f"020 7946 {rng.randint(0, 999):04d}"]),
        "email": f"{f.lower()}.{sur.lower().replace(chr(39), '')}{rng.randint(1, 99)}@"
                 f"{rng.choice(['gmail.com', 'hotmail.co.uk', 'outlook.com', 'yahoo.co.uk', 'btinternet.com'])}",
        "postcode": f"{outward} {rng.randint(1, 9)}{rng.choice(LETTERS)}{rng.choice(LETTERS)}"
                    .replace("I", "A").replace("O", "B").replace("C", "D").replace("K", "L").replace("M", "N")
                    .replace("V", "W"),
        "dob": rng.choice([f"{day:02d}/{rng.randint(1, 12):02d}/{rng.randint(1960, 2005)}",
                           f"{day} {rng.choice(MONTHS)} {rng.randint(1960, 2005)}"]),
        "nino": f"{rng.choice(['AB', 'JG', 'PR', 'SK', 'NH', 'WT'])} {rng.randint(10, 99)} {rng.randint(10, 99)} "
                f"{rng.randint(10, 99)} {rng.choice('ABCD')}",
        "date": f"{day} {rng.choice(MONTHS)}", "time": rng.choice(["9.30am", "11pm", "2.15pm", "around 6pm",
                                                                  "just after midnight", "04:40"]),
        "log": str(rng.randint(100, 2999)), "crime": f"{rng.randint(5200000000, 5299999999)}",
        "jail": rng.choice(["two years and eight months", "18 months", "six years", "14 weeks", "four years"]),
    }


# (category, template). Categories are for reading the set; the gold is in the markers.
TEMPLATES: list[tuple[str, str]] = [
    # --- no risk: appeals, charges, results, incidents, roads, missing people, engagement -------------------
    ("appeal", "Do you recognise this man? We want to speak to him in connection with a {offence} in {street}, "
               "{town}, on {date}. Call 101 quoting log {log}, or Crimestoppers anonymously on 0800 555 111."),
    ("appeal", "CCTV APPEAL | Officers investigating a {offence} at a shop in {town} city centre are releasing "
               "images of a man they would like to identify. Anyone who recognises him should call 101 and "
               "quote {crime}."),
    ("appeal", "Witness appeal: a man in his 40s was assaulted outside a pub on {street} at {time} on {date}. "
               "The offender is described as white, about 5ft 10in, wearing a grey hoodie. Call 101 ref {log}."),
    ("appeal", "We're appealing for dashcam footage after a collision on the {road} near {town} at {time} "
               "yesterday. Please upload it through our online portal or call 101 quoting log {log} of {date}."),
    ("charge", "A {age}-year-old man has been charged with {offence} following an incident in {street}, {town}. "
               "He has been remanded in custody and will appear at {court} tomorrow."),
    ("charge", "{man}, {age}, of {street}, {town}, has been charged with {offence}. He was released on "
               "conditional bail to appear at {court} on {date}."),
    ("charge", "UPDATE: A {age}-year-old woman arrested after a disturbance in {town} on Saturday has been "
               "charged with affray and assaulting an emergency worker. She will appear before {court} on "
               "{date}. As proceedings are now active we ask people not to comment or speculate online."),
    ("charge", "Two men have been charged with conspiracy to commit {offence} after warrants in {town}. "
               "{man}, {age}, and {man2}, {age2}, are due at {court} on Monday."),
    ("result", "{man}, {age}, of {town}, has been jailed for {jail} at {court} after pleading guilty to "
               "{offence}. {rank} {officer} said: \"The offender thought he could get away with it. He was wrong.\""),
    ("result", "JAILED | A prolific shoplifter who targeted stores in {town} has been jailed for {jail}. "
               "{man}, {age}, admitted 14 thefts at {court}. He had 42 previous convictions."),
    ("result", "A man who caused serious injury by dangerous driving on the {road} has been sentenced to {jail}. "
               "{man}, {age}, of {town}, was also banned from driving for five years at {court}. "
               "Custody image attached."),
    ("result", "{woman}, {age}, was found guilty of {offence} after a three-day trial at {court} and will be "
               "sentenced on {date}. {rank} {officer} thanked the victim for her courage."),
    ("incident", "Officers are at the scene of a fire at a derelict building on {street}, {town}. Please avoid "
                 "the area while emergency services work. There are no reports of anyone injured."),
    ("incident", "We were called at {time} to reports of a man with a knife in {street}, {town}. Officers "
                 "attended within minutes and a {age}-year-old man was arrested on suspicion of possession of "
                 "an offensive weapon. No one was hurt. Thanks to the members of the public who called 999."),
    ("incident", "A cordon is in place on {street} while we investigate a serious assault. A man is in "
                 "{condition}. Officers will be in the area over the weekend if you have any concerns."),
    ("incident", "Increased patrols in {town} tonight after reports of anti-social behaviour near the retail "
                 "park. Speak to officers if you see them, or report online. In an emergency always call 999."),
    ("road", "ROAD CLOSED: The {road} is closed in both directions between the junctions for {town} after a "
             "collision involving a lorry. Expect delays and find an alternative route."),
    ("road", "The {road} has reopened following this morning's collision. Thank you for your patience. "
             "Anyone who saw the {car} before the crash is asked to call 101, log {log}."),
    ("road", "Planned closure: {street} in {town} will be shut from 8pm on {date} until 6am for resurfacing. "
             "Diversions will be signposted."),
    ("missing", "MISSING | Have you seen {woman}? She is {age}, 5ft 4in, with long dark hair, and was last seen "
                "on {street}, {town}, at {time} on {date}. If you see her call 999 quoting log {log}."),
    ("missing", "Can you help us find {young}-year-old {m}? He was last seen leaving his home in {town} on "
                "{date} wearing a black North Face jacket. We're concerned for his welfare. Call 101, log {log}."),
    ("missing", "UPDATE: {man}, who was reported missing from {town}, has been found safe and well. Thank you "
                "to everyone who shared our appeal."),
    ("engagement", "Come and meet your neighbourhood team at our beat surgery at {station}, {house} {street}, "
                   "{town} on {date} from 10am to midday. Bring your questions about parking and speeding."),
    ("engagement", "Our front counter at {station} is open 8am-8pm, Monday to Saturday. You can also contact "
                   "us online or by calling 101. In an emergency always dial 999."),
    ("engagement", "Thanks to pupils at {school} who showed {rank} {officer} their road safety posters today! "
                   "Some brilliant designs 🚸👏"),
    ("engagement", "Fancy a cuppa with a copper? ☕ PCSO {officer} will be at {town} library on Thursday "
                   "from 2pm. Pop in for crime prevention advice and free bike marking."),
    ("fraud", "Fraud alert ⚠️ Residents in {town} have been getting calls from people claiming to be police "
              "officers asking for bank details. We will never ask for your PIN. Report it to Action Fraud on "
              "0300 123 2040."),
    ("fraud", "Courier fraud warning: if someone calls saying they're from your bank and asks you to hand over "
              "cash, hang up. Call your bank from a different phone. #ScamAware"),
    ("recruit", "We're recruiting! Our next intake of police constables starts in {date}. Find out more at one "
                "of our online information sessions. #JoinUs"),
    ("stolen", "Have you seen this {car}? It was stolen from a driveway in {town} overnight. Call 101 quoting "
               "crime reference {crime}."),
    ("youth", "A {young}-year-old boy, who cannot be named for legal reasons, has been charged with {offence} "
              "and will appear at youth court on {date}."),
    ("youth", "Officers arrested two teenagers, aged {young} and {young2}, on suspicion of {offence} in {town} "
              "last night. They remain in custody for questioning."),
    ("sexual", "A {age}-year-old man has been charged with rape and will appear at {court} on {date}. "
               "The victim is being supported by specially trained officers."),
    ("sexual", "{man}, {age}, of {town}, has been jailed for {jail} at {court} for sexual assault. "
               "{rank} {officer} praised the victim's bravery in coming forward."),
    ("sexual", "If you have been the victim of a sexual offence, we will listen. You can report it to us on 101, "
               "or contact your local sexual assault referral centre for confidential support."),
    ("fatal", "{man}, {age}, who died after a collision on the {road} on {date}, has been formally identified. "
              "His family have been informed and are being supported by specialist officers."),
    ("fatal", "Sadly a man has died following a collision on {street}, {town}, this morning. His next of kin "
              "are being informed. Anyone with dashcam footage is asked to call 101 quoting log {log}."),
    ("fatal", "Tributes have been paid to {woman}, {age}, who died in a house fire in {town}. Her family said: "
              "\"She was the heart of our family.\" Her family have asked for privacy."),
    ("court", "Update: {man}, {age}, pleaded not guilty to {offence} at {court} today. A trial date has been "
              "set for {date}. He was remanded in custody."),
    ("hardneg", "Quote log {log} of {date} when calling 101. The crime number is {crime}."),
    ("hardneg", "The offender made off towards {street} in a {car}. If you saw anything please get in touch on "
                "101 or via our website."),
    ("hardneg", "Operation Sceptre: {age} knives were handed in at {station} during knife crime week. "
                "Knife amnesty bins are at stations across {town}."),
    # --- personal data -----------------------------------------------------------------------------------
    ("pd", "Lost dog found on {street} this morning, very friendly! If she's yours call [[personal_data|{mobile}]] "
           "or pop into {station}."),
    ("pd", "If you witnessed the incident please contact {rank} {officer} directly on [[personal_data|{mobile}]] "
           "or email [[personal_data|{email}]]."),
    ("pd", "Police were called to [[personal_data|{house} {street}]], {town}, at {time} after reports of a "
           "disturbance. A {age}-year-old man was arrested."),
    ("pd", "Wanted: {man}, {age}, date of birth [[personal_data|{dob}]], is wanted on recall to prison. He has "
           "links to {town}. Do not approach him; call 999."),
    ("pd", "The {car}, registration [[personal_data|{vrm}]], was taken from outside a house in {street}, "
           "{town}. Have you seen it?"),
    ("pd", "Found property: a wallet containing a driving licence in the name of {man}, of "
           "[[personal_data|{house} {street}]], [[personal_data|{postcode}]], has been handed in."),
    ("pd", "The victim, who lives at [[personal_data|{house} {street}]], was not hurt. If anyone saw the men "
           "leave in a {car} ([[personal_data|{vrm}]]), please call 101."),
    ("pd", "Warning: fraudsters are using stolen details. If you are {woman} (NI number [[personal_data|{nino}]]) "
           "please contact us urgently."),
    ("pd", "Anyone with information can contact the officer in the case on [[personal_data|{landline}]] "
           "or the victim's son on [[personal_data|{mobile2}]]."),
    ("pd", "A burglary happened at a home in [[personal_data|{postcode}]] between {time} and midnight. Cash and "
           "jewellery were taken. Call 101 with log {log}."),
    ("pd", "{woman} is missing from {town}. Her mum says she can be reached on [[personal_data|{mobile}]] and "
           "her email is [[personal_data|{email}]] if anyone has seen her."),
    ("pd", "Officers stopped a {car} ([[personal_data|{vrm}]]) on the {road} and found cannabis worth £2,000. "
           "The driver, born [[personal_data|{dob}]], was arrested."),
    ("pd", "Neighbourhood watch update: the man causing problems at [[personal_data|Flat {young}, {house} "
           "{street}]] has been spoken to by officers."),
    ("pd", "Please share! Elderly man with dementia missing from [[personal_data|{house} {street}]], {town}. "
           "If you see him ring his daughter on [[personal_data|{mobile}]]."),
    ("pd", "Drink-driver caught at twice the limit on {street}. Car: [[personal_data|{vrm}]]. Driver: "
           "{man}, {age}. Charged and bailed to {court}."),
    # --- children ---------------------------------------------------------------------------------------
    ("child", "[[child|{m} {sur}]], {young}, of {street}, {town}, has been charged with {offence} and will "
              "appear at youth court on {date}."),
    ("child", "A {young}-year-old pupil at [[child|{school}]] has been arrested on suspicion of assault after "
              "a fight outside the school gates."),
    ("child", "Two boys, [[child|{m} {sur}]] and [[child|{man2}]], both {young}, were arrested after cars were "
              "damaged in {street}. They have been released on bail."),
    ("child", "Shoutout to the teenager who handed in a lost purse at {station} 👏 Unlike the {young}-year-old "
              "[[child|{m} {sur}]] who we arrested for robbing a phone yesterday!"),
    ("child", "A {young}-year-old girl was assaulted near [[child|{school}]] on {date}. A {young2}-year-old boy "
              "has been arrested."),
    ("child", "Youth court update: [[child|{f} {sur}]] ({young}) received a referral order for {offence}."),
    # --- sexual-offence victims ----------------------------------------------------------------------------
    ("sov", "{man}, {age}, has been charged with sexually assaulting [[sexual_offence_victim|{woman}]] in a "
            "nightclub in {town}. He will appear at {court}."),
    ("sov", "The victim, [[sexual_offence_victim|{woman}]], {age}, was raped in a park in {town} on {date}. "
            "A man has been arrested."),
    ("sov", "{man}, {age}, of {town}, was jailed for {jail} for indecently assaulting [[sexual_offence_victim|"
            "his stepdaughter]] over five years."),
    ("sov", "A woman [[sexual_offence_victim|from {street}]] was sexually assaulted as she walked home. "
            "Officers are increasing patrols in {town}."),
    ("sov", "The 22-year-old woman, who works at [[sexual_offence_victim|the Co-op in {street}]], was "
            "sexually assaulted on her way home. {man}, {age}, has been charged."),
    ("sov", "{man}, {age}, was convicted of raping [[sexual_offence_victim|his partner]] at their home in "
            "{town}. He will be sentenced at {court}."),
    # --- prejudice to a trial ------------------------------------------------------------------------------
    ("prej", "We've arrested the [[prejudicial|thug]] [[prejudicial|who did this]]. A {age}-year-old man is in "
             "custody. Great work by the team!"),
    ("prej", "{man}, {age}, has been charged with {offence}. [[prejudicial|The offender]] was caught after a "
             "foot chase. He will appear at {court} tomorrow."),
    ("prej", "A man has been charged with the burglary in {street}. He has [[prejudicial|previous convictions]] "
             "for similar offences and will appear at {court}."),
    ("prej", "[[prejudicial|Pictured]]: {man}, {age}, who has been charged with {offence} and remanded to "
             "appear at {court}."),
    ("prej", "Another [[prejudicial|scumbag]] off the streets! Drugs and cash seized in {town} this morning."),
    ("prej", "A {age}-year-old man arrested over the robbery in {town} is [[prejudicial|known to police]]. "
             "He remains in custody."),
    ("prej", "We said we'd find you and we did. [[prejudicial|The man responsible]] for the attack on {street} "
             "has been arrested and charged. #Justice"),
    ("prej", "Mindless [[prejudicial|yobs]] have smashed windows at the community centre in {town} again. "
             "We will find you."),
    ("prej", "{man}, {age}, charged with {offence}, will appear at {court}. Our [[prejudicial|image]] shows him "
             "being led into custody."),
    # --- casualties --------------------------------------------------------------------------------------
    ("cas", "A man who died after a stabbing in {town} last night has been [[casualty|named locally as]] "
            "[[casualty|{man}]]. A {age}-year-old man has been arrested."),
    ("cas", "The woman who died in the collision on the {road} is [[casualty|believed to be]] "
            "[[casualty|{woman}]], {age}, from {town}."),
    ("cas", "[[casualty|{man}]], {age}, was killed in a crash on {street} this morning. Our thoughts are with "
            "his family."),
    ("cas", "Two people have died in a fire in {town}. [[casualty|Formal identification has yet to take "
            "place]]."),
    ("cas", "A motorcyclist was seriously injured on the {road}. He is [[casualty|{man}]] from {town} and is "
            "in {condition}. His [[casualty|family have not yet been informed]]."),
    ("cas", "Sadly a woman died at the scene in {street}. Her husband, [[casualty|{man2}]], was also taken to "
            "hospital."),
]


# Written one by one after the rules, without changing the rules to fit them: the set's honest part.
# Plain text (no slots) with the same gold markers; each appears once.
HANDWRITTEN: list[tuple[str, str]] = [
    ("appeal", "Can you help? 🔍 We're trying to trace the owner of a bike found dumped near the canal towpath "
               "off Wharf Street last night. DM us or ring 101, incident 0412 of 14/05."),
    ("appeal", "Officers want to speak to anyone who was at the Spar on Kingsway between 10.40pm and 11pm on "
               "Friday 12th when a member of staff was threatened. Info to 101 or anonymously to @CrimestoppersUK."),
    ("engagement", "Great turnout at the Harehills community day 🙌 Thanks to everyone who came to chat to "
                   "PC Lewis and PCSO Begum. Next surgery: Tuesday 3-5pm at the Compton Centre, LS9 7AX."),
    ("engagement", "Our Chief Constable will be answering your questions live on Facebook at 7pm tonight. "
                   "Send them in now using #AskTheChief"),
    ("engagement", "Happy Eid Mubarak to all our communities celebrating today 🌙"),
    ("road", "⚠️ M62 eastbound closed between J25 and J26 due to a serious collision. Traffic is being "
             "released slowly. Please avoid the area; updates to follow."),
    ("road", "Emergency services are dealing with a collision on the A6110 ring road near the Tong Street "
             "junction. One lane is blocked."),
    ("charge", "A 51-year-old man from Pudsey has been charged with causing death by careless driving after a "
               "cyclist died on Harrogate Road in March. He has been released on bail to appear at Leeds "
               "Magistrates' Court on 9 July."),
    ("charge", "Kyle Barker (28) of no fixed abode has been charged with three counts of burglary and remanded "
               "to appear at Wakefield Magistrates' Court on Monday."),
    ("result", "An Ossett man who sold cocaine from his car has been jailed for 4 years. Officers found £12k in "
               "cash and two phones when they searched his flat. #OpJemlock"),
    ("result", "Justice for the Henderson family: Liam Cartwright, 33, was found guilty of murder at Leeds Crown "
               "Court today and will be sentenced next month."),
    ("missing", "Missing: Poppy, 15, from Shipley. She was last seen on Otley Road wearing a pink coat. Poppy, "
                "if you see this, please get in touch, you're not in trouble. Anyone with info ring 101."),
    ("missing", "UPDATE 14:20 - Mr Reginald Ashworth, 84, has been found safe. Thank you for sharing."),
    ("fraud", "Don't get caught out by the 'Hi Mum' WhatsApp scam. If a 'child' messages from a new number "
              "asking for money, call them on their old number first."),
    ("incident", "A police dog tracked down two men after a break-in at a garage on Moor Lane in the early hours. "
                 "Both have been arrested and remain in custody."),
    ("incident", "Following the incident at the Crown pub last night, a man in his 30s remains in hospital "
                 "with injuries not thought to be life-threatening."),
    ("pd", "If you lost a gold bracelet in Morrisons car park on Saturday give Sandra a call on "
           "[[personal_data|07700 900 817]] and she'll return it 😊"),
    ("pd", "For more info on the scheme, email our volunteer coordinator at "
           "[[personal_data|mike.hollis76@gmail.com]] or call the station on 0113 496 0555."),
    ("pd", "Suspect vehicle: blue Mini, reg [[personal_data|YK08WHP]], seen leaving the scene at speed."),
    ("pd", "Do you know this man? He gave his name as Carl Ruddock and his DOB as "
           "[[personal_data|4th August 1987]]. Call 101."),
    ("pd", "Victim's address: [[personal_data|27a Cemetery Road]], [[personal_data|BD8 9RZ]] - officers to "
           "attend again tomorrow."),
    ("pd", "Anyone who can help reunite this wallet with its owner, Mr T Hargreaves of "
           "[[personal_data|Flat 2, 118 Whitehall Road]], please ring us on 101."),
    ("pd", "Text Darren on [[personal_data|+44 7700 900 342]] if you want to join the Speedwatch team."),
    ("child", "[[child|Tyler Nash]] is just 16 but has already been arrested four times this month for "
              "shoplifting in Castleford. Parents, do you know where your kids are?"),
    ("child", "Two 14-year-olds from [[child|Rodillian Academy]] were arrested after a teacher was "
              "assaulted. Both have been bailed."),
    ("child", "A 13-year-old boy has been arrested after a fire was started at a play area in Batley. "
              "Thanks to residents for the information."),
    ("sov", "We have arrested a man after a woman in her 20s reported being raped in the Headingley area on "
            "Saturday night. Specialist officers are supporting her."),
    ("sov", "Derek Holt, 61, has been charged with sexual offences against a girl who was a pupil at "
            "[[sexual_offence_victim|the dance school he ran in Morley]]."),
    ("sov", "A woman was sexually assaulted by a man who exposed himself on the Trans Pennine Trail. She is "
            "[[sexual_offence_victim|a 19-year-old student from Elland]] who was out jogging."),
    ("prej", "Good riddance 👋 This [[prejudicial|lowlife]] was remanded today after being charged with "
             "robbing a pensioner."),
    ("prej", "Charged: a 40-year-old man who [[prejudicial|targeted elderly victims]] in their homes will appear "
             "at Bradford Magistrates' Court tomorrow."),
    ("prej", "The man arrested for the Halton Moor stabbing [[prejudicial|has a long history of violence]], "
             "officers said."),
    ("prej", "Dear burglars of Kirkstall: we're coming for you. 🚔"),
    ("prej", "Three men have been arrested after a car was stolen in Seacroft. Enquiries continue."),
    ("cas", "Sadly a pedestrian has died after being hit by a van on Roundhay Road. We understand he was "
            "[[casualty|a well-known local shopkeeper in his 60s]] and our thoughts are with his family."),
    ("cas", "RIP [[casualty|Jordan]] 💔 The 19-year-old was killed in the crash on the A650 last night. "
            "A full investigation is under way."),
    ("cas", "Officers were called to a house in Beeston where a woman had died. Her death is being treated "
            "as unexplained. Her family have been informed."),
    ("cas", "A man has died after a collision on the A58 near Wetherby this evening. His family have been "
            "told and are being supported by officers."),
    ("hardneg", "Police were called to Leeds Bradford Airport at 6am after reports of a suspicious item. It "
                "turned out to be a lunch box. 🥪"),
    ("hardneg", "Know someone who drinks and drives? Report them confidentially on 0800 555 111."),
    ("hardneg", "From 1 April our non-emergency number 101 will also take calls about missed bin collections. "
                "Just kidding - April Fools! 🙃"),
    ("hardneg", "Our Operation Stonehaven officers in the PE31 area seized 14 bikes last week."),
    ("hardneg", "Police HQ, Laburnum Road, Wakefield WF1 3QP is closed to visitors on Monday for the bank holiday."),
]



# The development set (tests/data/checks/drafts_dev.jsonl): written one by one for issue 13's second round,
# before the rules were generalised, then used while generalising them, so its figures show what the rules
# now do on those phrasings, not how they generalise. Varied on purpose: odd phone, postcode, registration,
# NI and date formats, obfuscated e-mail, flats and named buildings, offences and guilt said without the
# first round's cue words, and hard negatives.
DEV: list[tuple[str, str]] = [
    ("pd", "Found a set of keys with a blue fob outside [[personal_data|14 Acacia Avenue]] this morning. If "
           "they're yours, pop into the front counter at Elland Road."),
    ("pd", "Concern for welfare call to [[personal_data|flat 3, Hill Court]], off Dewsbury Road. All fine, and "
           "thanks to the neighbour who rang it in."),
    ("pd", "Lost phone handed in at the Trinity centre. The owner's sister says ring her on "
           "[[personal_data|(0113) 496 0742]] after 6pm."),
    ("pd", "Anyone who saw the crash can contact the other driver direct on [[personal_data|+44 (0)7700 900461]]."),
    ("pd", "Message from the organiser: send questions to [[personal_data|kevin.doyle at gmail dot com]] 📧"),
    ("pd", "Photos from the fun day to [[personal_data|jenny_w (at) hotmail (dot) co (dot) uk]] please!"),
    ("pd", "Shed break-in overnight at a house in [[personal_data|ls6 2ab]]. Lock up your tools, folks 🔒"),
    ("pd", "Reports of a man trying car door handles around [[personal_data|WF13  4PQ]] at 3am. Call 101."),
    ("pd", "Stolen from a driveway in [[personal_data|BD74AB]]: black Audi A3, [[personal_data|ye19 xkp]]."),
    ("pd", "Wanted on recall to prison: Dean Marsh, born [[personal_data|3rd March 1991]]. Do not approach."),
    ("pd", "Missing person update: Shannon Kerr (date of birth [[personal_data|07.11.1993]]) has been found."),
    ("pd", "He told staff his name was Aaron Pike, born on the [[personal_data|14th of June 1985]]."),
    ("pd", "The fraudster used a stolen NI number, [[personal_data|JK 123 456 A]], to open the accounts."),
    ("pd", "Victim's details for the file: NINO [[personal_data|jk123456a]], mobile [[personal_data|07700900986]]."),
    ("pd", "Witnesses can text the officer on [[personal_data|07700-900-123]] or call 101, ref 1223."),
    ("pd", "Police were called to a disturbance at [[personal_data|No. 7 Beech Grove]] just before midnight."),
    ("pd", "Cannabis farm found in the loft of [[personal_data|22B Mill Lane]], Batley. Enquiries continue."),
    ("pd", "Sighting: silver Ford Focus [[personal_data|MA21 TZD]] in Morley town centre about 5pm."),
    ("pd", "Mum of the lost toddler is at [[personal_data|Apartment 12, Victoria Mills]], Salts Mill Road."),
    ("pdneg", "Speed check on the A64 this morning: 43 drivers over the limit in the 30 zone, top speed 52mph. "
              "Incident ref 13240123456."),
    ("pdneg", "Drop-in surgery at Morley Town Hall, Queen Street, LS27 9DY, on Thursday from 2pm."),
    ("pdneg", "Operation Sceptre: 56 knives surrendered at our stations between 13 and 19 May. Thank you."),
    ("pdneg", "Fake e-mails claiming to be from HMRC are doing the rounds. Forward them to "
              "phishing@hmrc.gov.uk and report to Action Fraud on 0300 123 2040."),
    ("pdneg", "The A61 Scott Hall Road is closed between Potternewton Lane and the ring road after a crash."),
    ("child", "A boy aged 15 from Seacroft has been charged with robbery. [[child|Callum Price]] will appear "
              "before Leeds Youth Court next week."),
    ("child", "Year 10 pupil at [[child|Brigshaw High]] arrested after a knife was found in his bag this morning."),
    ("child", "Two teenagers, [[child|Kai Walsh]] and [[child|Ruby Fenton]], both 16, have been arrested on "
              "suspicion of criminal damage at the skate park."),
    ("child", "A teenager from Harehills, named locally as [[child|Jaden Okoro]], has been arrested after a teacher "
              "was punched at [[child|Roundhay School]]."),
    ("child", "[[child|Mason Leigh]] is only fifteen and has already been done for three burglaries on our patch. "
              "Enough."),
    ("child", "The 16-year-old, who lives with his gran on [[child|Tong Road]] and goes to "
              "[[child|Farnley Academy]], was arrested for the assault."),
    ("childneg", "Missing 12-year-old Ellie-Mae Stone has been found safe and well. Thanks for sharing."),
    ("childneg", "A 17-year-old boy has been charged with robbery and will appear at Leeds Youth Court. He cannot "
                 "be named for legal reasons."),
    ("childneg", "Well done to the pupils of St Anne's Primary who won our road safety poster competition! 🏆"),
    ("childneg", "Darren Hollis, 42, has been jailed for grooming a 13-year-old girl he met online."),
    ("sov", "A man has been charged with raping a woman in Bradford city centre. The victim, "
            "[[sexual_offence_victim|who works at the Broadway shopping centre]], is being supported."),
    ("sov", "Gary Platt, 52, has been jailed for sexually assaulting [[sexual_offence_victim|his former partner's "
            "daughter]] over a period of years."),
    ("sov", "[[sexual_offence_victim|Chloe]], who was indecently assaulted on a bus in Halifax last month, has "
            "thanked the driver who stopped the bus and called us."),
    ("sov", "Man charged after [[sexual_offence_victim|a nurse at Pinderfields Hospital]] was sexually assaulted "
            "in the staff car park."),
    ("sov", "[[sexual_offence_victim|Patricia Allen]], 71, was raped in her own home in Wibsey, a court heard."),
    ("sov", "The girl, [[sexual_offence_victim|a year 9 pupil at Crawshaw Academy]], was groomed on Snapchat by "
            "Neil Booth, 29, who has admitted the offences."),
    ("sovneg", "We're supporting a woman who reported being sexually assaulted near the university on Friday "
               "night. A man has been arrested and remains in custody."),
    ("sovneg", "Lee Grant, 37, of Keighley, has been charged with voyeurism and will appear at Bradford "
               "Magistrates' Court on 2 June."),
    ("prej", "Officers have charged [[prejudicial|the man who stabbed]] a teenager in Beeston. He appears at "
             "Leeds Magistrates' Court today."),
    ("prej", "A 34-year-old woman has been charged with fraud after [[prejudicial|stealing £40,000]] from her "
             "employer. She will appear at Wakefield Magistrates' Court on Friday."),
    ("prej", "Jason Reed, 31, has been remanded, charged with burglary. [[prejudicial|He was released from prison "
             "only last month]]."),
    ("prej", "Charged: [[prejudicial|a well-known local drug dealer]] from Chapeltown. He will appear at court on "
             "Monday."),
    ("prej", "The 27-year-old, [[prejudicial|who is already banned from driving]], will appear at Leeds "
             "Magistrates' Court charged with dangerous driving."),
    ("prej", "Remanded in custody 👍 Officers [[prejudicial|caught him in the act]] on Tuesday. He'll be at "
             "Bradford Crown Court next month. Hope they [[prejudicial|throw the book at him]]."),
    ("prej", "Dale Burke, 40, has been charged with robbery. [[prejudicial|Photo]] released by officers below."),
    ("prejneg", "Bradley Fox, 30, was jailed for three years today. He has 14 previous convictions and was on "
                "licence at the time."),
    ("prejneg", "We're looking for the people responsible for this damage to the bus shelter in Rothwell. Do you "
                "recognise them?"),
    ("prejneg", "Two men charged with conspiracy to supply class A drugs have been remanded into custody to appear "
                "at Leeds Crown Court in July."),
    ("cas", "Tragic news: a cyclist died after being struck by a lorry on Kirkstall Road. He is "
            "[[casualty|thought to be]] [[casualty|Tom Ashby]], 34, from Bramley."),
    ("cas", "A woman in her 80s has died after a house fire in Ossett. [[casualty|Formal identification is still "
            "to take place]]."),
    ("cas", "The victim of Saturday's stabbing, [[casualty|Shane Tully]], 22, remains in a critical condition in "
            "hospital."),
    ("cas", "Rest in peace [[casualty|Kayleigh]] 💐 killed by a drunk driver on the A650. Our thoughts are with "
            "everyone who knew her."),
    ("cas", "Sadly the 73-year-old driver died at the scene. [[casualty|We haven't yet been able to contact his "
            "next of kin]]."),
    ("cas", "A man has died after a fall from scaffolding in Wortley. His brother [[casualty|Craig Nolan]] was "
            "working with him at the time."),
    ("casneg", "Paul Green, 45, died after a collision on the A38 on Tuesday. Formal identification has taken "
               "place and his family have paid tribute."),
    ("casneg", "A pedestrian was seriously injured in a collision on York Road last night. Her family have been "
               "informed."),
    ("casneg", "The man died in hospital. His family are being supported by specially trained officers."),
]


def render(template: str, values: dict[str, str]) -> tuple[str, list[dict[str, object]]]:
    """The template with slots filled and markers removed, and the gold spans."""
    filled = template.format_map(values)
    text, spans, pos = "", [], 0
    for m in re.finditer(r"\[\[(\w+)\|(.*?)\]\]", filled):
        text += filled[pos:m.start()]
        spans.append({"start": len(text), "end": len(text) + len(m.group(2)), "risk": m.group(1),
                      "text": m.group(2)})
        text += m.group(2)
        pos = m.end()
    return text + filled[pos:], spans


def build() -> list[dict[str, object]]:
    rng = random.Random(SEED)
    rows, seen = [], set()
    for number, (category, template) in enumerate(TEMPLATES):
        for _ in range(COPIES):
            text, spans = render(template, draw(rng))
            if text in seen:
                continue
            seen.add(text)
            rows.append({"id": f"d{len(rows) + 1:04d}", "template": number, "category": category, "text": text,
                         "risks": sorted({str(s["risk"]) for s in spans}), "spans": spans})
    for category, template in HANDWRITTEN:
        text, spans = render(template.replace("{", "{{").replace("}", "}}"), {})
        rows.append({"id": f"h{len(rows) + 1:04d}", "template": None, "category": category, "text": text,
                     "risks": sorted({str(s["risk"]) for s in spans}), "spans": spans})
    return rows


def build_dev() -> list[dict[str, object]]:
    """The development set: each draft of `DEV` once, with its gold spans."""
    rows = []
    for category, template in DEV:
        text, spans = render(template.replace("{", "{{").replace("}", "}}"), {})
        rows.append({"id": f"v{len(rows) + 1:04d}", "template": None, "category": category, "text": text,
                     "risks": sorted({str(s["risk"]) for s in spans}), "spans": spans})
    return rows


def main() -> None:
    OUT.parent.mkdir(parents=True, exist_ok=True)
    for path, rows in ((OUT, build()), (DEV_OUT, build_dev())):
        path.write_bytes(b"".join(orjson.dumps(row) + b"\n" for row in rows))
        print(f"wrote {len(rows)} drafts to {path}")


if __name__ == "__main__":
    main()
