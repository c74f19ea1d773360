"""The transparent intent rules and the immediate-risk layer: the accuracy floor on the labelled set
of tests/data/triage/urgent.csv (its tuning split: the rules were written against it), hard negatives,
and the SQL form agreeing with the Python one. The held-out split was written after the rules and never
used to change them; its floors, with the semantic layer's, are in tests/triage/test_semantic.py."""

from __future__ import annotations

import csv
from pathlib import Path

import duckdb
import pytest

from peelian.triage.rules import (
    classify_text,
    evaluate_urgent,
    intents_sql,
    risk_text,
    urgent_sql,
)
from peelian.triage.semantic import is_guarded

DATA = Path(__file__).parents[1] / "data" / "triage" / "urgent.csv"


def labelled(split: str | None = None) -> list[dict[str, str]]:
    with DATA.open(newline="", encoding="utf-8") as f:
        return [r for r in csv.DictReader(f) if split in (None, r["split"])]


def test_the_labelled_set_is_large_with_many_hard_negatives():
    rows = labelled()
    kinds = [r["kind"] for r in rows]
    assert len(rows) >= 300 and kinds.count("hard_negative") >= 100 and kinds.count("positive") >= 150
    assert len(labelled("held_out")) >= 40 and len(labelled("tuning")) + len(labelled("held_out")) == len(rows)
    assert {r["category"] for r in rows if r["urgent"] == "1"} == {
        "weapon", "inprogress", "threat", "missing", "selfharm"}


def test_urgent_accuracy_floor():
    result = evaluate_urgent((r["text"], r["urgent"] == "1", r["category"]) for r in labelled("tuning"))
    assert result["recall"] >= 0.95, result["misses"]
    assert result["precision"] >= 0.8, result["false_alarms"]
    assert min(result["recall_by_category"].values()) >= 0.9


@pytest.mark.parametrize("text", [
    "@WMPolice this road is a death trap",
    "@GMPolice killing it today officers!",
    "@merseypolice knife crime is out of control, what are you doing about it",
    "@LancsPolice missing my old beat officer, hope he's enjoying retirement",
    "@metpoliceuk your social media team are killing it with the memes",
    "@KentPolice the potholes on the A2 are going to kill someone one day",
])
def test_hard_negatives_are_not_urgent(text):
    assert not classify_text(text).urgent


@pytest.mark.parametrize("text", [
    "@CheshirePolice any update on the stabbing by the canal? the family still haven't heard anything",
    "@GMPolice was the man with the knife at the Arndale ever caught?",
    "@LancsPolice watching Line of Duty, could a hostage siege really happen like that?",
    "@KentPolice my lad got lost at the fair but we found him, home safe now, false alarm",
    "@WMPolice not urgent, but someone keeps leaving a baseball bat by the bins",
    "RT @PCNwosuWMP: UPDATE: we're still looking for Jamie, 16, missing from Coventry since Sunday. Call 999",
])
def test_a_post_about_the_past_fiction_or_a_safe_outcome_is_not_flagged_by_the_rules(text):
    """The post-level suppressor (SUPPRESS) applies to the rules as well as the semantic layer."""
    assert risk_text(text) == "" and not classify_text(text).urgent


@pytest.mark.parametrize(("text", "category"), [
    ("@GMPolice lad with a shank chasing kids round the back of the flats", "weapon"),
    ("@metpoliceuk two youths on a moped with a sawn-off by the station", "weapon"),
    ("@WMPolice big group of lads scrapping outside the kebab shop, one of them getting stomped on", "in_progress"),
    ("@leicspolice ram raid happening at the petrol station on the ring road", "in_progress"),
    ("@PoliceScotland ma lassie's no come hame fae her pals, she's 8", "missing_vulnerable"),
    ("@LancsPolice my brother texted 'i dont want to be here anymore' and switched his phone off", "self_harm"),
    ("@NYorksPolice a van has shed its load on the A1 southbound, pallets everywhere", "threat_to_life"),
])
def test_slang_dialect_and_road_dangers_are_read(text, category):
    """Street slang (shank, sawn-off, stomped on, ram raid), Scots ("no come hame") and situations with no
    weapon or violence word (a load shed on a fast road, "don't want to be here anymore")."""
    assert category in classify_text(text).risks


@pytest.mark.parametrize(("text", "category"), [
    ("@LancsPolice my dad has shut himself in the car in the garage with the engine on and wont answer", "self_harm"),
    ("@HertsPolice toddler walking along the hard shoulder of the A1M, stopped my car", "threat_to_life"),
    ("@EssexPoliceUK car on the M25 with a kid hanging out of the sunroof", "threat_to_life"),
    ("@WMPolice little girl by the side of the bypass, no adults around", "threat_to_life"),
    ("@EssexPoliceUK a boy of about 5 is on the central reservation of the A13", "threat_to_life"),
    ("@GMPolice woman on the Mancunian Way bridge sat with her legs over the edge crying", "self_harm"),
    ("@WYP someone just tried to snatch a kid from the pram at the bus stop", "in_progress"),
    ("@metpoliceuk car mounted the pavement on oxford st and hit people, driver running off", "in_progress"),
    ("@GMPolice my husband has had a fit and he's not coming round, ambulance says 2 hours", "threat_to_life"),
    ("@metpoliceuk crush at the gates of the concert, people going down, kids at the front", "threat_to_life"),
    ("@NottsPolice youths throwing rocks off the footbridge onto the A52 at cars", "in_progress"),
    ("@HantsPolice a group have surrounded my son at the skatepark and took his phone, he's still there", "in_progress"),
    ("@thamesvp they've just texted me 'we're coming for you tonight' and a car has pulled up", "threat_to_life"),
    ("@GMPolice my ex sent a video of my car with 'see you soon', he's on bail not to contact me", "threat_to_life"),
    ("@cheshirepolice someone in my back garden trying the kitchen window, it's 2am", "in_progress"),
    ("@GMPolice proper punch up outside the club still going on, bottles flying", "in_progress"),
    ("@SYPolice crowd outside the chippy, someone's going to end up dead", "in_progress"),
    ("@NYorksPolice the moorland above the village is on fire and it's spreading", "threat_to_life"),
])
def test_dangers_without_a_danger_word_are_read(text, category):
    """Situations with no weapon or violence word (shut in with an engine running, a small child on a fast road or
    out of a sunroof, a threat delivered by message, someone at the back door, a heath fire) and slang for a fight."""
    assert category in classify_text(text).risks


@pytest.mark.parametrize("text", [
    ("@GMPolice reported the dealers last week and nothing done, now one of them is chasing my son with a knife "
     "right now"),
    "@WMPolice any update on my burglary? also there's a man trying car doors on our road as we speak",
    "@WMPolice told you about them in june and nothing, now one of them has pulled a blade on my son",
    "@thamesvp the man who hit me last week just messaged he's coming round now with his mates",
    ("@NottsPolice sorry for the essay, we rang 101 last month about next door and heard nothing, anyway tonight "
     "he's been drinking and he's in our drive with a baseball bat, the kids are upstairs"),
    "@HantsPolice my nan hasn't been seen since yesterday morning and isn't answering her phone, she's 86",
    "@GMPolice my dad didn't come home overnight, he has dementia and his car is gone",
    "@LancsPolice my sister went out on friday night and no one has heard from her, she's missing and she's 16",
    "@metpoliceuk they said they're gonna stab him on saturday night at the party, he's 15",
    "@GMPolice my ex who was charged with assaulting me is outside my house with a knife",
])
def test_an_old_complaint_does_not_hide_a_new_danger(text):
    """The past, an update request or a question (STALE) keeps a post from the risk layers only when nothing in it
    says the danger is happening now."""
    assert classify_text(text).urgent


@pytest.mark.parametrize("text", [
    "@WMPolice the man who pulled a knife at the Bullring got 6 years, not enough",
    "@metpoliceuk hope the gunman gets life",
    "@metpoliceuk what should I do if I see someone carrying a knife?",
    "@SYPolice how do I hand in my grandad's old shotgun",
    "@merseypolice is it illegal to carry a knife for fishing",
    "@NorthumbriaPol this heat is going to kill me",
    "@DerbysPolice how do I get a shotgun licence for clay pigeon shooting?",
    "@WMPolice my brother just stole my chips, want him arrested",
    "@KentPolice another stabbing in Chatham according to the news, what are you doing about it",
    "@GMPolice was there a shooting in Moss Side on Tuesday night? heard bangs",
    "@WMPolice my car got set on fire overnight on our drive, who do I speak to for the insurance",
    "@metpoliceuk massive respect to the officer who pulled that woman out of the canal yesterday",
    "@KentPolice saw the news about the stabbing in Chatham, shocking",
    "@thamesvp 12 years for that attack in Slough is nowhere near enough",
    "@merseypolice my mate got glassed on Saturday in town, hes fine but wants to report it",
    "@WMPolice whats the law on carrying a machete for allotment work? can i have one in the car",
    "@PoliceScotland any news on the lad that went missing in the 90s near Fort William?",
    "@HantsPolice the kids are holding me hostage until I buy them a puppy",
    "@DurhamPolice my sister stabbed me in the back by telling mum, arrest her",
    "@WYP im gonna strangle my kids if they say they're bored one more time",
    "@GMPolice I cut myself a lot as a teenager and a PC once sat with me for hours, thank you",
    "@EssexPoliceUK there was a man with a knife by the station earlier but he's gone now",
    "@EssexPoliceUK my ex keeps threatening to hurt me by text, how do I get a non-molestation order",
    "@LancsPolice saw a lad drinking and then driving off from the pub last Friday, registration AB12 CDE",
    "@NottsPolice kids keep chucking stones at the buses on our estate, it happens every week",
    "@NorthumbriaPol is it true someone got stabbed at the Quayside? my friend said",
    "@EssexPoliceUK that drill video with the machetes is all over tiktok, can you get it taken down",
    "@LancsPolice a man collapsed at the bus station this morning, the paramedics were brilliant, hope he's ok",
    "@WMPolice is the axe throwing place in Digbeth licensed?",
    "@AvonandSomerset the sword in the museum exhibition was stunning",
    "@merseypolice lads racing up and down the East Lancs every Saturday night, someone's going to die one day",
    "@metpoliceuk my ex keeps posting nasty stuff about me and my knife collection on facebook, is that harassment?",
])
def test_court_news_hypothetical_questions_and_jokes_are_not_immediate_risk(text):
    assert not classify_text(text).urgent


@pytest.mark.parametrize(("text", "category"), [
    ("@WMPolice there's a man with a knife outside the shop on King Street right now", "weapon"),
    ("@GMPolice someone is breaking into my neighbour's house right now", "in_progress"),
    ("@metpoliceuk my ex says he's going to kill me tonight", "threat_to_life"),
    ("@merseypolice my mum has dementia and has wandered off", "missing_vulnerable"),
    ("@LancsPolice my friend says she's going to kill herself tonight", "self_harm"),
])
def test_each_risk_category_is_named(text, category):
    result = classify_text(text)
    assert result.urgent and category in result.risks and result.intents[0] == "urgent"


def test_other_intents_and_the_fallback():
    assert classify_text("@wmp thank you officers, brilliant work").intents == ("praise",)
    assert classify_text("@wmp What time does the front counter open?").intents == ("question",)
    assert classify_text("@wmp ACAB").intents == ("abuse",)
    assert classify_text("@wmp lol").intents == ("other",)
    assert set(classify_text("@wmp useless, I reported a theft and nobody has called me back").intents) == {
        "report", "complaint"}


def test_sql_rules_agree_with_python_on_every_labelled_post():
    rows = labelled()
    for number in range(2, 13):  # held outs 2 to 12
        with (DATA.parent / f"urgent_heldout{number}.csv").open(newline="", encoding="utf-8") as f:
            rows += list(csv.DictReader(f))
    con = duckdb.connect()
    con.execute("CREATE TABLE t (i INTEGER, text VARCHAR)")
    con.executemany("INSERT INTO t VALUES (?, ?)", [(i, r["text"]) for i, r in enumerate(rows)])
    con.execute("INSERT INTO t VALUES (-1, 'It\u2019s a man with a KNIFE'), (-2, NULL), "
                "(-3, 'any update on the man with a knife?'), (-4, 'RT @wmp: man with a knife seen in Aston'), "
                "(-5, 'any update? he is outside with a knife right now'), "
                "(-6, 'Replying to your appeal pic 🙄 lad with a KNIFE chasing kids on Elm St NOW'), "
                "(-7, 'not urgent, but someone keeps leaving a baseball bat by the bins')")
    found = {i: (u, tuple(x)) for i, u, x in con.execute(
        f"SELECT i, {urgent_sql('text')}, {intents_sql('text')} FROM t").fetchall()}
    for i, r in enumerate(rows):
        expected = classify_text(r["text"])
        assert found[i] == (expected.urgent, expected.intents), r["text"]
    assert found[-1][0] and found[-2] == (False, ("other",)) and not found[-3][0] and not found[-4][0]
    assert found[-5][0] and found[-6][0] and not found[-7][0]


# Round 4: kinds of held out 5's misses and false alarms, in wordings written apart from that set.
# A fight told by what is being done (a head smashed against something, someone held by the throat), a farewell
# message, an overdose told by the number of tablets, a blaze spreading towards people, an arson just done beside a
# building.
ROUND_4_DANGER = [
    (("@NorthumbriaPol a man has a lad by the throat at the bus shelter on Shields Rd and is smashing his head "
      "into the glass"), "in_progress"),
    ("@WYP two lads outside the offy, one keeps slamming the other one's head off the wall", "in_progress"),
    ("@EssexPoliceUK this is goodbye. sorry for everything, please don't come looking for me", "self_harm"),
    ("@KentPolice tell my mum I love her. don't bother looking for me", "self_harm"),
    ("@SurreyPolice my flatmate says she's swallowed a whole packet of sleeping pills", "self_harm"),
    ("@DyfedPowys I've just taken 30 co-codamol and feel weird", "self_harm"),
    ("@DerbysPolice the scrapyard is ablaze and it's spreading towards the houses on Brook St", "threat_to_life"),
    ("@NottsPolice someone's just torched a van parked up against the nursery wall", "in_progress"),
    # known misses of held outs 1 and 2 (a car in a loch, a hillwalker heard but not reached), in other words
    ("@PoliceScotland car's skidded off the road into the reservoir near Aberfoyle, only the boot is showing",
     "threat_to_life"),
    ("@LakesPolice a climber has slipped in a gully on Helvellyn, we can hear her shouting but can't get to her",
     "threat_to_life"),
    # a dog attack told by what the dog does, someone at a platform edge
    ("@KentPolice dog has got hold of a little boy's arm in the park at Margate and won't let go", "in_progress"),
    ("@SYPTweets an XL bully is hanging off a woman's leg on the rec, owner nowhere", "in_progress"),
    (("@metpoliceuk there's a woman on the platform at Clapham Junction leaning right over the yellow line, "
      "she's been there ages"), "self_harm"),
    # a second probe: someone crushed under a vehicle, "her last night" (not the night before)
    ("@DyfedPowys farmer's been crushed under his quad bike in the top field, we can't lift it", "threat_to_life"),
    ("@NYorksPolice my uncle is pinned beneath a trailer in the yard and can't move his legs", "threat_to_life"),
    (("@StaffsPolice my friend has been sending me messages saying she's on the railway line at Stone and it's "
      "her last night"), "self_harm"),
]


@pytest.mark.parametrize("text", [
    ("@HantsPolice the bloke who followed my son yesterday is back outside the school and is trying to get kids "
     "into his van"),
    ("@LancsPolice a boy in year 10 posted on tiktok that he's bringing a knife into school on monday to get "
     "someone"),
])
def test_a_danger_that_is_back_or_announced_is_read_through_the_past(text):
    """A time word or a social-media post (STALE) does not hide someone who is back now or a weapon announced
    for school."""
    assert classify_text(text).urgent


# A safe outcome, disposing of a knife, a trial, what the news says, a shared appeal, a figure of speech, a lost pet,
# a picture of a weapon, a debunked rumour, a danger already sorted, a joke about gulls.
ROUND_4_FALSE_ALARMS = [
    "@DorsetPolice the van that crashed into the shop window on the high street, thankfully nobody was hurt",
    "@NorthantsPolice where can I dispose of an old kitchen knife safely? is there a bin for it",
    "@GMPolice following the machete attack trial at Manchester crown court, what a week",
    "@gmpolice Sky says the stabbing in Salford was a domestic, is that right?",
    "@merseypolice shared your appeal about the gunman in Toxteth, hope someone comes forward",
    "@SYPTweets my kids are trying to kill me with this homework, arrest them",
    "@WMPolice our dog's gone missing in Sutton Park, any officers about?",
    "@AvonandSomerset someone has painted a mural of a gun on the underpass by the station",
    "@metpoliceuk the post about a man with a gun in Croydon is fake, it's been debunked",
    "@NWPolice strong smell of gas on our road this morning, the engineers came and it's all fine now",
    "@SussexPolice the gulls on the pier are mugging everyone for their chips, send backup",
    "@WMPolice bloke keeps sleeping in our bin store, he seems harmless but the kids are scared of him",
    "@NorthumbriaPol the lads outside the Co-op are always shouting, it's annoying but harmless",
    "@WMPolice the potholes on the Bristol Road will kill a cyclist, sort it out",
    "@LancsPolice that junction by the school is going to kill a kid, when are you putting a camera up?",
]


# Round 5: kinds of held out 6's and 7's misses and false alarms, in wordings written apart from those sets.
# A reply or apology frame, a question frame, emoji and a shouted NOW do not outrank a present danger told after them;
# throttling, pinning, rifling through a house, a child lost minutes ago are read.
ROUND_5_DANGER = [
    # a guard before a turn ("but", a reply to the force's own post) does not hide the danger told after it
    (("@WYP any update on the fun day raffle? but forget that, there's a lad with a machete chasing kids round the "
      "bandstand"), "weapon"),
    (("@GMPolice sorry to jump on your road safety post but my stepdad has my mum pinned against the fridge and "
      "she can't get up"), "in_progress"),
    (("Replying to your appeal for the missing cyclist: not him, sorry, but my grandad has wandered off, 88, no "
      "coat, last seen by the Spar"), "missing_vulnerable"),
    (("@SYPTweets replying to your careers video 🙄 apply yourselves to Fargate, someone's swinging a knife at "
      "the buskers"), "weapon"),
    # NOW shouted in capitals, a weapon or fire told by an emoji
    ("@metpoliceuk dealers with a 🔫 on the corner of Brixton Hill NOW", "weapon"),
    ("@WMPolice someones got a bat outside the chippy and is after the owner NOW", "weapon"),
    ("@DerbysPolice 🔥 in the bin store at the flats, spreading towards the stairwell", "threat_to_life"),
    # a question frame around something happening now, and what is being done told plainly
    ("should i call someone? i can see two of them climbing through the back door of the pharmacy",
     "in_progress"),
    ("@LancsPolice the lad next door has got his girlfriend by the throat on the landing", "in_progress"),
    ("@NottsPolice house opposite is empty for the week and someone is going through the drawers with a torch",
     "in_progress"),
    ("@DyfedPowys caravan on fire at the site on the front, an old couple are still in it", "threat_to_life"),
    ("@LincsPolice lost him 10 mins ago at the funfair, he's 3, red wellies", "missing_vulnerable"),
    ("@CumbriaPolice old lady on the bench by the lake, very confused, no shoes on, says she's walking to 1962",
     "missing_vulnerable"),
    ("@StaffsPolice a man in a car keeps trying to get the girls from the school to come with him to see kittens",
     "in_progress"),
    ("@SuffolkPolice my ex texted 'see you tonight' and he's outside her flat in a car", "threat_to_life"),
    ("@WMPolice car on the M6 weaving all over the lanes, driver looks drunk, I'm two cars back",
     "threat_to_life"),
]


# A safe outcome, a controlled or planned fire, army ranges, procedural questions about a found weapon, lost property,
# reference numbers, news and old events, filming, jokes, dumping, traffic; a guard that speaks for the whole post
# ("not urgent") holds past a turn.
ROUND_5_FALSE_ALARMS = [
    "@WMPolice the boy who ran off from the fair came home this morning, he's safe, thanks for sharing",
    "@NYorksPolice the bangs near Warcop are the army ranges firing, not gunshots",
    "@DevonPolice the smoke over Dartmoor is a controlled burn by the rangers, nothing to worry about",
    "@NorfolkPolice bonfire on the allotment, lots of smoke but it's all under control",
    "@KentPolice do I need a licence for an old air rifle I found in the shed? how do I hand it in",
    "@ThamesVP what do I do with a machete my son found in the park? it's in the garage",
    "@SussexPolice lost my wallet at the races, brown leather, Goodwood",
    "@WMPolice can I get a crime number for the stolen bike I reported Tuesday",
    "@GMPolice how do I get a reference for the assault I saw? want to make a statement",
    "@PSNI read about the shooting in the paper, is the area ok to walk through?",
    "@NorthumbriaPol when she was 12 a man flashed a knife at her on the bus. is it too late to report?",
    "@Cleveland_Police heads up, prop guns on the quayside today, it's a film shoot, don't panic",
    "@WMPolice hope he rots. stabbing a pensioner for a bus pass",
    "my line manager is murdering me with these spreadsheets 💀 someone call @WYP",
    "@LancsPolice my daughter wandered off at the beach earlier but a lifeguard found her in 2 mins, all good",
    "@SWPolice my sister was knocked about on friday, she's at our mums and safe now, how does she report it?",
    "@WYP the lad who fell in the canal got pulled out by some fishermen, he's sat there laughing now",
    "@SYPTweets #KnifeFree 🔪❌ brilliant assembly at our school today",
    "@WMPolice not urgent, but someone keeps leaving a baseball bat by the bins",
    "@GMPolice lads fly-tipping a sofa on the canal path right now, got their reg",
    "@Kent_Police Operation Brock again, stuck 2 hours at Ashford, any idea when it'll move?",
]


# Round 6b: kinds of held outs 8 and 9's misses, in wordings written apart from those sets.
# A threat with a time and a target in any grammar ('he say he will come ... and burn'), intruders seen live on a
# camera or app, an injured person found barely conscious, someone still inside near a fire, vehicles among children
# now.
ROUND_6B_DANGER = [
    ("@NorfolkPolice he say he will come back tonight and burn the car with us in it", "threat_to_life"),
    ("@GMPolice they coming for burn my car tonight, they tell me on phone, I am scared", "threat_to_life"),
    ("@KentPolice my brother just got a message saying they're coming to shoot him, he's at home in Margate",
     "threat_to_life"),
    ("@EssexPolice the man from the garage said he would torch the lot of us and he's parked outside",
     "threat_to_life"),
    ("@YorksPolice two men inside our warehouse, I'm watching them on the camera from home", "in_progress"),
    ("@GMPolice I can see someone on my doorbell camera going through the car on the drive", "in_progress"),
    ("@CumbriaPolice old fella at the bus stop in Kendal, barely conscious, face all swollen", "threat_to_life"),
    ("@DyfedPowys barn fire at the farm on the B4337, the lad who works there is still inside", "threat_to_life"),
    ("@LancsPolice motorbikes racing across the park where the kids are playing", "in_progress"),
    ("@NWPolice lad on a moped with a toddler on the back, no helmets, on the dual carriageway", "in_progress"),
    ("@HumbersidePolice moped on the A63 with two little ones on the back and none of them have helmets on",
     "in_progress"),
]


# Found-safe updates, reassurance, controlled explosions and burnt toast, thanks for attending, an old event told by
# its day or 'last wk' or 'that was Sunday', camera footage of a past night, carers' register questions, legal
# questions about carrying a blade, court news, a settled fire, laughter, praise, a relative's 'will kill me when':
# neither risk layer reads them.
ROUND_6B_FALSE_ALARMS = [
    "@DevonPolice Update: dad's been found, he was in the pub in Totnes, thanks for all the shares",
    "@StaffsPolice found by the police at Crewe station, tired and hungry, thanks everyone",
    "@WMPolice the lads shouting in the street were from the boxing gym, just sparring, nobody panic",
    "@PSNIBelfast heard a bang at the docks, someone said it's controlled explosions by the army",
    "@GMPolice smoke alarm going mad in the flat above, burnt toast again, sorry neighbours",
    "@NottsPolice the shouting was us, thanks for coming out earlier",
    "@MerseyPolice someone got jumped outside the chippy last wk and nothing's been done",
    "@WYP rang about the car on fire in our street on Friday, nobody came",
    "@TVP my camera caught a man with a crowbar in the garden on Wednesday at 3am, nothing taken",
    "@CheshirePolice is there a register for people with dementia? my dad keeps wandering off",
    "@KentPolice does a penknife on my keyring count as carrying a weapon?",
    "@SYPTweets if someone is holding a knife in a video online should I report it? for next time",
    "@DC_Police jury's out on the Exeter axe case, what do people think",
    "@WMPolice bloke who knifed a lad in Walsall pleaded guilty today",
    "@Kent_Police the bins behind the shops got set on fire, fire brigade sorted it, all sorted",
    "@LancsPolice lad doing wheelies in the car park with a knife sticker on his helmet lmaooo",
    "@PSNI big up the officers at the parade today, good vibes",
    "@WMPolice the fella with the bat outside the Spar, that was Sunday, quiet since",
    "@GMPolice my mam'll kill me when she sees the state of the car",
]


# Round 7: kinds of held out 10's misses and false alarms, in wordings written apart from that set.
# Violence told by the act (held against a wall, can't get up after a beating), injury told by what is seen, fire
# through a letterbox, dangerous driving from inside the vehicle, grown men plying children with drink or luring them
# into a car, a relayed coded message, a vulnerable person told by circumstance.
ROUND_7_DANGER = [
    ("@MetPolice bloke in the pharmacy has got the pharmacist by the collar up against the shelves, she's crying",
     "in_progress"),
    ("@WYP a man has shoved the barmaid up against the door of the cellar and won't let go", "in_progress"),
    ("@GMPolice delivery driver got jumped on the estate, he can't get up and he's holding his head", "in_progress"),
    ("@NorthantsPolice fella just staggered into the garage holding his stomach, there's a pool of blood on the floor",
     "in_progress"),
    ("@SYPTweets someone is pouring petrol through the letterbox of number 4, there's kids in there", "in_progress"),
    ("@TVP the coach driver keeps closing his eyes on the M40, we're all awake and terrified", "in_progress"),
    ("@SurreyPolice Uber is doing about 110 on the A3 swerving between lanes, begged him to slow down", "in_progress"),
    ("@WMPolice two older men in a van outside the park buying cans for a couple of girls who look about 14",
     "in_progress"),
    ("@EssexPolice man outside the arcade keeps trying to get the girls into his car", "in_progress"),
    ("@LancsPolice my sister just texted 'they're back at the door' and now she's not answering", "threat_to_life"),
    ("@NottsPolice my nan's neighbour texted me 'can you come, he's kicking off again'", "threat_to_life"),
    ("@CambsCops our nan has dementia and she's walked out of the care home in her slippers", "missing_vulnerable"),
    ("@DorsetPolice elderly gent on the seafront in his dressing gown, doesn't know what town he's in",
     "missing_vulnerable"),
    ("@BTP little girl aged about 4 on her own by the ticket barriers at Euston, crying", "missing_vulnerable"),
    ("@KentPolice a dad is running up and down the beach screaming his daughter's name... screaming her name",
     "missing_vulnerable"),
]


# Hyperbole of shows, parties and sport, games and laughter, cooking, photos, costumes, booked paintball or laser tag,
# a regular said to be fine, a slow-response complaint about an earlier call, the news, an old weapon for an amnesty
# bin, lost property.
ROUND_7_FALSE_ALARMS = [
    "@WMPolice the gig at the Academy last night was killer, the crowd was on fire",
    "@GMPolice my brother set fire to the christmas pudding and the whole table cheered",
    "@PoliceScotland choked out a lad in the judo competition today and won silver",
    "@MerseyPolice my little brother said he'd strangle me after losing at Mario Kart, we're both crying laughing",
    "@NorfolkPolice borrowed the chef's knives for the butchery course, he went mad",
    "@DevonPolice shot loads of photos of the air ambulance landing, anyone want them?",
    "@WMPolice bloke with a plastic gun at the cosplay meet in town, amazing outfit",
    "@StaffsPolice laser tag party for my son on Sunday, 12 kids shooting each other in the dark",
    "@TVP the old boy on the bench by the river with his dog is there every morning, lovely man",
    "@LancsPolice rang 101 about the fight outside the pub 3 hours ago, still nobody's rung me back",
    "@SYPTweets another stabbing in the papers this morning, what's going on",
    "@NottsPolice found an old bayonet in grandad's loft, where is the nearest weapons amnesty bin?",
    "@GMPolice left my son's bag on the tram at Piccadilly, has anyone handed it in?",
    "@KentPolice read that the driver who killed the cyclist got a 5 year ban",
    "@SYPTweets the zombie walk through town was class, fake blood everywhere",
    "@TVP bought my lad a toy sword at the castle today, he's been attacking the cat with it",
]


# Round 8: kinds of held outs 11 and 12's misses and false alarms, in wordings written apart from those sets.
# Vehicles among pedestrians or children now, a child struck, a drunk driver getting back behind the wheel, a wrong-
# way driver on a fast road, a wounding with the attacker still there, a vehicle overturned or someone hanging in it,
# a wounded person fading, a person with dementia out for hours or a child looked for everywhere, a goodbye told as
# sleep or 'no point', and a threat whose 'he's left now' goes on to where he is heading (the safe-outcome guard hid
# it).
ROUND_8_DANGER = [
    ("@WMPolice scramblers up on the kerb outside the school gates at full speed, still going round", "in_progress"),
    ("@GMPolice motorbike racing round the play park on Hulme Rd, little ones everywhere", "in_progress"),
    ("@MerseyPolice a car has just knocked over a little girl on the zebra crossing on Smithdown Rd", "in_progress"),
    ("@NorthumbriaPol bloke absolutely hammered in the Asda car park, just got back in his van with a toddler",
     "in_progress"),
    ("@TVP lorry driving the wrong way down the A34 near Didcot, cars swerving out of its path", "in_progress"),
    ("@SYPTweets lad bottled outside Spoons, whoever did it is stood at the bar laughing", "in_progress"),
    ("@DevonPolice a van on its side in the ditch on the A38, nobody's come out of it", "threat_to_life"),
    ("@LancsPolice woman hanging upside down in her seatbelt after a crash on Preston New Rd", "threat_to_life"),
    (("@PoliceScotland found a lad by the canal, his face is slashed, he says he was jumped and he's drifting in "
      "and out"), "threat_to_life"),
    ("@EssexPolice my grandma with dementia left for the shops four hours ago and isn't answering", "missing_vulnerable"),
    ("@KentPolice my 5 yr old girl was by the swings a minute ago, I've looked everywhere", "missing_vulnerable"),
    ("@WYP my brother just messaged that he wants to go to sleep forever and won't pick up", "self_harm"),
    ("@NottsPolice my flatmate says there's no point in living and has locked her door", "self_harm"),
    ("@CambsCops ex said he's taken everything in the medicine cabinet, Huntingdon", "self_harm"),
    ("@SuffolkPolice my dad swallowed the lot from the kitchen drawer and says he wants to sleep and never wake up",
     "self_harm"),
    (("@GMPolice a man in the chippy said he's going to stab his cousin tonight, he's left now with a blade, heading "
      "to Moss Side"), "threat_to_life"),
]


# A press report or the court's account, a past weapon sighting the police dealt with, a question of what to do if, a
# calm scene, praise for an arrest, a sentence, sport despair, a kitchen-utensil threat, a riot forecast, road-danger
# hyperbole asking for calming measures.
ROUND_8_FALSE_ALARMS = [
    "@WMPolice the Sun says 'sword attack' but the court heard it was a walking stick",
    "@GMPolice there was a man with a blade in the Arndale earlier, police came and arrested him, is it safe now?",
    "@NorfolkPolice what's the procedure if I find a syringe and a knife in my garden?",
    "@PoliceScotland if I see someone with a knife on the bus should I ring 999?",
    "@MerseyPolice firearms officers at Lime Street this morning, all calm, anyone know what's up?",
    "@WYP great work by the officers who arrested the man with the gun in Leeds",
    "@SYPTweets life for shooting a man in Sheffield and he'll be out in 12. Disgrace",
    "@LancsPolice I'll end it all if Blackburn get relegated this season",
    "@DurhamPolice my sister said she'd stab me with a spoon if I ate her pudding again",
    "@TVP there'll be a riot if they close the leisure centre, honestly",
    "@KentPolice racing on the seafront every night, someone's going to get killed, we need speed bumps",
    "@DyfedPowys reported the threats in May and heard nothing. Does someone have to get killed before you act?",
]


def test_round_8_a_relayed_goodbye_posted_on_social_media_is_read():
    """'Posted on facebook' guarded a viral rumour and hid a relayed danger: the guard now holds for a story or clip
    posted there, not for someone who has posted that he has taken pills."""
    assert "self_harm" in classify_text("@GMPolice my brother has posted on instagram that he's taken everything in "
                                        "the bathroom cabinet, Wigan").risks
    assert is_guarded("@GMPolice that video of a stabbing was posted on tiktok, is it real?")


# A post that says no threat was made, nothing physical happened, that someone is harmless, or that a court gave a
# sentence or a ban is read by neither layer unless it also says something is happening now.
ROUND_8_SAID_NOT_THERE = [
    "@WMPolice man keeps shouting at passers-by outside the Co-op, nothing physical, can someone have a word?",
    "@LancsPolice my ex keeps texting, he hasn't threatened me, it's just constant, what can I do?",
    "@NorfolkPolice the lads with the air rifle in the field seem harmless but should they be there?",
    "@PoliceScotland a suspended sentence and a driving ban for the driver who killed a pedestrian, shameful",
]


@pytest.mark.parametrize(("text", "category"),
                         [*ROUND_4_DANGER, *ROUND_5_DANGER, *ROUND_6B_DANGER, *ROUND_7_DANGER, *ROUND_8_DANGER])
def test_each_round_s_kinds_of_danger_are_read(text, category):
    """The kinds of each round's held-out misses (the lists above), in wordings written apart from those sets."""
    assert category in classify_text(text).risks


@pytest.mark.parametrize("text",
                         [*ROUND_4_FALSE_ALARMS, *ROUND_5_FALSE_ALARMS, *ROUND_7_FALSE_ALARMS, *ROUND_8_FALSE_ALARMS])
def test_each_round_s_kinds_of_false_alarm_are_not_immediate_risk(text):
    """The kinds of each round's held-out false alarms (the lists above) are not read by the rules."""
    assert not classify_text(text).urgent


@pytest.mark.parametrize("text", [*ROUND_6B_FALSE_ALARMS, *ROUND_8_SAID_NOT_THERE])
def test_each_round_s_guarded_kinds_are_read_by_neither_layer(text):
    """The kinds the guard holds (the lists above) are read by neither risk layer."""
    assert is_guarded(text) and not classify_text(text).urgent
