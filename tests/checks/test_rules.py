"""The pre-publication rules: each risk is found where it is and not where a careful press officer would
publish the text as it stands (force numbers, station addresses, "a 34-year-old man has been charged")."""

from __future__ import annotations

import pytest

from peelian.checks import RISKS, RULES, check_draft


def risks(text: str) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for f in check_draft(text):
        assert text[f.start:f.end] == f.text
        assert f.severity in ("high", "medium", "low") and f.reason and f.rule in RULES and f.risk in RISKS
        found.setdefault(f.risk, []).append(f.text)
    return found


@pytest.mark.parametrize(("text", "span"), [
    ("If it's yours call me on 07700 900123 thanks", "07700 900123"),
    ("Text Darren on +44 7700 900 342 to join", "+44 7700 900 342"),
    ("Email jo.bloggs12@gmail.com with any information", "jo.bloggs12@gmail.com"),
    ("Police were called to 14 Oak Road, Bristol, at 2am.", "14 Oak Road"),
    ("A burglary at a home in BS5 9QP overnight.", "BS5 9QP"),
    ("The car, registration AB12 CDE, was stolen.", "AB12 CDE"),
    ("Wanted man, date of birth 12/03/1990, links to Leeds.", "12/03/1990"),
    ("Fraud victim's NI number JG 12 34 56 C was used.", "JG 12 34 56 C"),
])
def test_personal_data_is_found_with_its_span(text, span):
    assert risks(text)["personal_data"] == [span]


@pytest.mark.parametrize("text", [
    "Call 101 quoting log 1234 of 12 March, or 999 in an emergency.",
    "Report it anonymously to Crimestoppers on 0800 555 111 or Action Fraud on 0300 123 2040.",
    "Call the incident room on 0117 496 0123.",
    "Beat surgery at Trinity Road Police Station, 1 Trinity Road, BS2 0NW on Saturday.",
    "Email appeals@westyorkshire.police.uk with footage.",
    "Closed between J25 and J26 of the M62 and on the A38 at 2.15pm on 12/03/2024. Crime ref 5223001234.",
])
def test_force_numbers_station_addresses_and_references_are_not_personal_data(text):
    assert "personal_data" not in risks(text)


def test_a_charged_adult_named_in_the_usual_way_is_fine():
    text = ("John Smith, 34, of Oak Road, Bristol, has been charged with burglary and will appear at "
            "Bristol Magistrates' Court on Monday. A 34-year-old man has been charged.")
    assert risks(text) == {}


def test_abusive_labels_and_presumed_guilt_are_prejudicial():
    found = risks("We've arrested the thug who did this. He has previous convictions.")
    assert found["prejudicial"] == ["thug", "who did this", "previous convictions"]


def test_after_conviction_the_offender_and_previous_convictions_may_be_reported():
    text = ("Mark Lee, 40, was jailed for six years at Leeds Crown Court after pleading guilty. The offender "
            "had 12 previous convictions. Custody image attached.")
    assert "prejudicial" not in risks(text)


def test_not_guilty_plea_keeps_the_case_active():
    found = risks("Mark Lee, 40, pleaded not guilty and was remanded. The offender will face trial in May.")
    assert found["prejudicial"] == ["The offender"]


def test_an_image_of_someone_charged_is_flagged_but_an_appeal_image_is_not():
    assert risks("Pictured: Mark Lee, 40, who has been charged with robbery.")["prejudicial"] == ["Pictured"]
    assert risks("Do you recognise the man in these images? Call 101.") == {}


def test_a_named_child_in_an_offence_is_flagged_but_a_missing_child_and_an_adult_defendant_are_not():
    assert risks("Jack Smith, 15, of Elm Road has been arrested for robbery.")["child"] == ["Jack Smith"]
    assert risks("A 14-year-old pupil at St Mary's School was arrested after a fight.")["child"] == ["St Mary's School"]
    assert "child" not in risks("Have you seen 14-year-old Ellie Jones? She was last seen in Leeds.")
    assert "child" not in risks("Paul Hill, 45, has been charged with assaulting a 12-year-old boy.")
    assert "child" not in risks("A 16-year-old boy, who cannot be named for legal reasons, has been charged.")


def test_sexual_offence_victims_are_not_identified():
    assert risks("Paul Hill, 45, was charged with raping Emma Jones in Leeds.")["sexual_offence_victim"] == [
        "Emma Jones"]
    assert risks("Paul Hill, 45, was jailed for indecently assaulting his stepdaughter.")[
        "sexual_offence_victim"] == ["his stepdaughter"]
    assert "sexual_offence_victim" not in risks("Paul Hill, 45, has been charged with rape. The victim is being "
                                                "supported by specially trained officers.")


def test_unverified_casualty_details():
    found = risks("A man died in a crash on the A38. He has been named locally as Paul Green. His family have "
                  "not yet been informed.")
    assert found["casualty"] == ["named locally as", "Paul Green", "His family have not yet been informed"]
    assert "casualty" not in risks("Paul Green, 45, who died after a collision on the A38, has been formally "
                                   "identified. His family have been informed.")


def test_findings_are_in_reading_order_and_one_per_overlap():
    text = "Sadly a woman died at the scene. Her husband, Mark Lee, was also taken to hospital."
    found = check_draft(text)
    assert [f.text for f in found] == ["Mark Lee"]
    assert found[0].to_dict()["risk"] == "casualty"


@pytest.mark.parametrize(("text", "span"), [
    ("Burglary at a house in ls6 2ab overnight.", "ls6 2ab"),
    ("Door handles tried around WF13  4PQ at 3am.", "WF13  4PQ"),
    ("Taken from a drive in BD74AB last night.", "BD74AB"),
    ("Black Audi A3, ye19 xkp, seen speeding.", "ye19 xkp"),
    ("Concern for welfare at flat 3, Hill Court, off Dewsbury Road.", "flat 3, Hill Court"),
    ("Questions to kevin.doyle at gmail dot com please.", "kevin.doyle at gmail dot com"),
    ("Photos to jenny_w (at) hotmail (dot) co (dot) uk!", "jenny_w (at) hotmail (dot) co (dot) uk"),
    ("He said he was born on the 14th of June 1985.", "14th of June 1985"),
    ("It gave his DOB as 4th August 1987.", "4th August 1987"),
    ("A stolen NI number, JK 123 456 A, was used.", "JK 123 456 A"),
    ("Details: NINO jk123456a.", "jk123456a"),
    ("Ring her on (0113) 496 0742 after six.", "(0113) 496 0742"),
])
def test_personal_data_in_hand_written_shapes(text, span):
    assert risks(text)["personal_data"] == [span]


@pytest.mark.parametrize("text", [
    "Closed on the a1 and m62 at 2am; reopened by 6pm.",
    "Meet us at Leeds dot Festival this weekend.",
    "Scam e-mails: forward them to phishing at hmrc dot gov dot uk.",
    "Reference as 123456 a on the form.",
    "He was born in 1990 and grew up on a farm.",
])
def test_hand_written_shapes_do_not_catch_ordinary_words(text):
    assert "personal_data" not in risks(text)


def test_a_child_is_found_without_the_first_rounds_cue_words():
    assert risks("Mason Leigh is only fifteen and has been done for three burglaries.")["child"] == ["Mason Leigh"]
    assert risks("Year 10 pupil at Brigshaw High arrested after a fight.")["child"] == ["Brigshaw High"]
    found = risks("The 16-year-old, who lives with his gran on Tong Road, was arrested for the assault.")
    assert found["child"] == ["Tong Road"]
    assert "child" not in risks("PC Amy Ward spoke to pupils at Oakwood Primary about online scams and drugs.")
    assert "child" not in risks("Leeds High Street is closed after a 15-year-old was hurt in a crash.")


def test_a_sexual_offence_victim_is_found_by_role_relation_and_first_name():
    assert risks("Man charged after a nurse at Pinderfields Hospital was sexually assaulted.")[
        "sexual_offence_victim"] == ["a nurse at Pinderfields Hospital"]
    assert risks("Gary Platt, 52, was jailed for sexually assaulting his former partner's daughter.")[
        "sexual_offence_victim"] == ["his former partner's daughter"]
    assert risks("Chloe, who was indecently assaulted on a bus, thanked the driver.")["sexual_offence_victim"] == [
        "Chloe"]
    assert "sexual_offence_victim" not in risks("Chris Evans, a volunteer at the Leeds Food Bank, was charged "
                                                "with sexual assault.")


@pytest.mark.parametrize(("text", "span"), [
    ("Officers have charged the man who stabbed a teenager. He appears in court today.", "the man who stabbed"),
    ("A woman has been charged with fraud after stealing £40,000 from her employer.", "after stealing £40,000 from"),
    ("Jason Reed, 31, has been remanded. He was released from prison only last month.",
     "released from prison only"),
    ("Charged: a well-known local drug dealer from Chapeltown.", "well-known local drug dealer"),
    ("The 27-year-old, who is already banned from driving, will appear at court charged.",
     "already banned from driving"),
    ("Remanded in custody. Hope they throw the book at him.", "throw the book at"),
])
def test_guilt_and_bad_character_in_other_words_while_a_case_is_active(text, span):
    assert risks(text)["prejudicial"] == [span]


def test_the_same_words_after_a_verdict_or_in_an_appeal_are_fine():
    assert "prejudicial" not in risks("Officers are looking for the man who stabbed a teenager in Beeston.")
    assert "prejudicial" not in risks("Reed, 31, was jailed today. He was released from prison only last month.")


def test_casualty_hedges_in_other_words_and_descriptions_that_are_not_hedges():
    assert risks("A woman died in a fire. Formal identification is still to take place.")["casualty"] == [
        "Formal identification is still to take place"]
    assert risks("The driver died at the scene. We haven't yet been able to contact his next of kin.")[
        "casualty"] == ["haven't yet been able to contact his next of kin"]
    assert risks("Rest in peace Kayleigh, killed on the A650 last night.")["casualty"] == ["Kayleigh"]
    assert risks("A man died after a fall. His brother Craig Nolan was with him.")["casualty"] == ["Craig Nolan"]
    assert "casualty" not in risks("A man died in a crash on the A64. He is believed to be in his 40s.")
    assert "casualty" not in risks("A man was hurt in a crash; his injuries are thought to be life-threatening.")


def test_a_draft_without_a_phone_shaped_number_does_not_load_libphonenumber():
    """Loading libphonenumber's metadata is a third of a cold `peelian check`; a draft with no seven digits
    together cannot hold a phone number, so it is left unloaded (benchmarks/checks.py times the cold start)."""
    import subprocess
    import sys

    code = ("import sys; from peelian.checks import check_draft; "
            "check_draft('A 34-year-old man was charged. Call 101 quoting log 1234.'); "
            "print('phonenumbers' in sys.modules); check_draft('Ring 07700 900123'); print('phonenumbers' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    assert done.stdout.split() == ["False", "True"]


# --- round 3: constructions the blind held-out set found missing (each test uses new sentences) -------------

@pytest.mark.parametrize(("text", "span"), [
    ("Leaflets with the number (01632) 960 517 were pushed through doors in Crediton.", "(01632) 960 517"),
    ("A wallet with an NI card (NI QQ 99 88 77 A) was handed in at the front desk.", "QQ 99 88 77 A"),
])
def test_bracketed_area_codes_and_cued_example_ninos_are_personal_data(text, span):
    assert risks(text)["personal_data"] == [span]


def test_a_reference_number_without_a_trunk_zero_is_not_a_phone():
    assert "personal_data" not in risks("Have you seen Dean? Please call 101 quoting 2300598765 or 999.")


@pytest.mark.parametrize(("text", "span"), [
    ("A man has died after a fall at the quarry. Early reports suggest the man who died was a climbing instructor "
     "from Buxton.", "Early reports suggest the man who died was a climbing instructor from Buxton"),
    ("A cyclist died on the A59 today. Indications are the rider was on a charity ride from Skipton.",
     "Indications are the rider was on a charity ride from Skipton"),
    ("A woman died in the flood. We believe she was the landlady of the Ship Inn.",
     "We believe she was the landlady of the Ship Inn"),
    ("The pilot, who police believe to be a retired airline captain, died in the crash.",
     "who police believe to be a retired airline captain"),
    ("Two people are seriously injured after the blast, probably the owners of the bakery.",
     "probably the owners of the bakery"),
    ("A woman died in the fire. Her relatives haven't been told yet.", "Her relatives haven't been told"),
    ("A man has drowned at Filey. We are still trying to speak to his family.", "to speak to his family"),
    ("A man was killed on the A1. His parents are still on their way to the hospital.",
     "His parents are still on their way"),
])
def test_casualty_identity_hedged_in_other_words_and_family_not_yet_told(text, span):
    assert span in " | ".join(risks(text)["casualty"])


@pytest.mark.parametrize("text", [
    "A man died in the crash. Early reports suggest the car was travelling at speed. His family have been informed.",
    "A man died after a fall. We believe he was in his 60s. His family have been informed.",
    "A woman has been charged with the murder of a man who died in Hull. Jane Doyle, 41, will appear at court.",
])
def test_hedges_about_the_event_or_an_age_and_the_defendant_are_not_casualty_details(text):
    assert "casualty" not in risks(text)


@pytest.mark.parametrize(("text", "span"), [
    ("Two boys have been arrested after a shop was set on fire. The younger boy, Harvey, lives in Walton.", "Harvey"),
    ("We have arrested 15-year-old Kieran over the attack at the skatepark.", "Kieran"),
    ("A 14-year-old boy has been charged with robbery. He is the son of a well-known local publican.",
     "the son of a well-known local publican"),
    ("A girl of 15 has been arrested for criminal damage, whose dad runs the garage on Mill Road.",
     "whose dad runs the garage on Mill Road"),
])
def test_a_child_is_identified_by_first_name_or_through_a_relative(text, span):
    assert span in risks(text)["child"]


def test_a_missing_child_named_with_an_age_is_not_an_offence():
    assert "child" not in risks("Have you seen 14-year-old Chloe? She was last seen in Bury. Call 101.")


@pytest.mark.parametrize(("text", "span"), [
    ("Mark Dean, 51, has been charged with raping his 17-year-old stepdaughter.", "his 17-year-old stepdaughter"),
    ("A woman was raped in her home at 9 Kestrel Close, Hull, on Friday; a man has been arrested.",
     "9 Kestrel Close"),
    ("The victim of the sexual assault, a nurse living at Bramley Court, is being supported.",
     "a nurse living at Bramley Court"),
    ("Tom Reed was convicted of sexual assault. The woman, who works in the café below his flat, gave evidence.",
     "in the café below his flat"),
])
def test_a_sexual_offence_victim_is_identified_by_age_relation_home_or_workplace(text, span):
    assert span in risks(text)["sexual_offence_victim"]


@pytest.mark.parametrize(("text", "span"), [
    ("Burglar Wayne Hirst, 33, has been charged with six break-ins and will appear at Hull Magistrates' Court.",
     "Burglar Wayne Hirst"),
    ("Conman charged: a 61-year-old man will appear at York Crown Court next week.", "Conman charged"),
    ("Three men have been charged with supplying heroin. Those dealers won't trouble Selby again.", "Those dealers"),
    ("The reckless driver who knocked down a child in Ripon, Sam Flint, 24, has been charged.",
     "The reckless driver who knocked down"),
    ("Dean Cole has been charged with arson. There's no doubt he started it, and he'll pay for his crimes.",
     "pay for his crimes"),
    ("Dean Cole has been charged with arson and we are sure the jury will convict him.", "jury will convict"),
    ("Kim Hale, 30, has been charged with harassment after making her neighbour's life hell for a year.",
     "making her neighbour's life hell"),
    ("Lee Pratt, 27, has been remanded. He is no stranger to the courts, having been arrested five times this year.",
     "no stranger to the courts"),
])
def test_guilt_by_title_demonstrative_or_idiom_and_bad_character_while_active(text, span):
    assert span in " | ".join(risks(text)["prejudicial"])


@pytest.mark.parametrize("text", [
    "Operation Venom has led to 25 arrests this year. Two men were arrested yesterday in Leeds.",
    "A man has been arrested after £20k of cannabis was taken off the streets in Hull.",
    "A man has been arrested after he hit a parked car in Leeds while over the limit.",
    "Suspected burglar arrested: a 31-year-old man was detained in Selby after a break-in.",
    "Alleged fraudster Mark Cole, 50, has been charged with fraud and will appear at York Magistrates' Court.",
    "Burglar jailed: Wayne Hirst, 33, was sentenced to four years at Hull Crown Court.",
])
def test_offence_words_that_presume_nothing_or_follow_a_verdict_are_not_prejudicial(text):
    assert "prejudicial" not in risks(text)


@pytest.mark.parametrize("text", [
    "A man died in a collision on the A1. We understand the road is a popular route. His family have been informed.",
    "Fatal collision on the A19. The road, probably the busiest in Teesside, stays closed. His family know.",
])
def test_hedges_about_places_are_not_casualty_details(text):
    assert "casualty" not in risks(text)


def test_a_vague_place_does_not_identify_a_sexual_offence_victim():
    text = ("A woman was sexually assaulted in Hull; a man has been arrested. The woman, who lives in the area, "
            "is being supported.")
    assert "sexual_offence_victim" not in risks(text)


@pytest.mark.parametrize(("risk", "text", "span"), [
    ("casualty", "A man died in a crash on the A1. It is understood the victim was a local teacher.",
     "It is understood the victim was a local teacher"),
    ("casualty", "A woman has died in a fire. Neighbours say she was a retired nurse who lived alone.",
     "Neighbours say she was a retired nurse who lived alone"),
    ("casualty", "A man died after a fall. We have not yet spoken to his family.", "not yet spoken to his family"),
    ("casualty", "Cyclist killed in Hull named on Facebook as Dan Wood.", "named on Facebook as"),
    ("prejudicial", "Peter Hill, 51, has been charged with fraud after fleecing pensioners out of £50,000.",
     "after fleecing pensioners out"),
    ("child", "A 15-year-old boy has been arrested. His father is the landlord of the Red Lion in Otley.",
     "His father is the landlord of the Red Lion in Otley"),
])
def test_the_same_constructions_in_wider_words(risk, text, span):
    assert span in risks(text)[risk]


def test_a_childs_parents_being_told_is_not_identifying():
    assert "child" not in risks("A 15-year-old boy has been arrested in Otley. His parents have been informed.")
