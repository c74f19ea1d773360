"""The rules of the pre-publication check, and `check_draft`, which runs them all on one draft.

Each rule is a small function from the draft (and what `_Context` has worked out about it once: is a
case active, is someone convicted, is a child or a sexual offence involved, who is named) to findings.
Phone numbers are found by Google's libphonenumber (`phonenumbers`); the UK shapes no installed library
covers (postcodes, vehicle registrations, National Insurance numbers, dates of birth, street addresses)
and the legal-risk rules are patterns written here, documented one by one in docs/checks.md.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from functools import cached_property
from typing import Any

RISKS: dict[str, str] = {
    "personal_data": "personal data",
    "child": "identifies a child or young person",
    "sexual_offence_victim": "identifies a victim of a sexual offence",
    "prejudicial": "could prejudice a trial",
    "casualty": "unverified casualty or next-of-kin details",
}
SEVERITIES = ("high", "medium", "low")


@dataclass(frozen=True, slots=True)
class Finding:
    """One risk in a draft: where it is (character offsets, end exclusive), what fired and why."""

    start: int
    end: int
    text: str
    risk: str
    rule: str
    severity: str
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


# --- vocabulary -------------------------------------------------------------------------------------

_I = re.IGNORECASE
FIRST_NAMES = frozenset("""
aaron abdul abigail adam adrian ahmed aidan aisha alan alex alexander alfie ali alice alison amanda amber
amelia amir amy andrew angela ann anna anne anthony archie arthur ashley barry ben benjamin beth bethany
bilal bradley brian callum cameron carl caroline carol catherine charlie charlotte chloe chris christine
christopher claire connor craig daniel danielle darren david dean deborah declan dennis derek dominic
donna dylan edward eleanor elizabeth ella ellie emily emma eric ethan evie faisal fatima finley freddie
freya gary gavin george georgia gemma graham grace hannah harriet harrison harry harvey hassan hayley
helen henry holly ian imran isaac isabella isla jack jacob jade jake james jamie jane jason jasmine
jayden jennifer jessica joanne joe joel john jonathan jordan joseph josh joshua julie karen kate
katie kayleigh keith kelly kevin kieran kirsty kyle laura lauren leah lee leo lewis liam lily lisa
logan louise lucy luke mandeep marcus maria mark martin mason matthew megan melissa michael michelle
mohammed mohammad muhammad molly nathan neil nicola noah oliver olivia oscar owen patrick paul paula
peter philip poppy priya rachel rebecca reece rhys richard riley robert ronnie rose ross ruby ryan sam
samuel sandra sarah scott sean shane sharon shaun simon sophie stacey stephen steven stuart susan
tanya terry thomas tom tony tracey tyler usman victoria wayne william yasmin zak zara zoe kai jaden
ahmad omar yusuf hamza ayesha sana rajesh sunil deepak anil kofi kwame chidi tunde ngozi precious
abbie abby adele agnes aimee alana albert alfred alicia alisha alyssa amelie annabel annie april arlo ashton
audrey austin barbara beatrice bella benny bernard bethan betty billy bobby bonnie brandon brenda brooke
bruce caitlin callie calvin carla carly carmen casey cassie cerys chantelle charles cheryl chelsea cody colin
courtney dale damian damien dana danny darcey darcy dawn dean debbie denise desmond diana diane dominique
dorothy douglas duncan eddie edith eileen elaine eli elijah elise eliza ellis elsie emma-louise erin esme
esther eve evelyn ewan felicity felix fiona florence frances francesca frank frankie fred frederick gabriel
gail gareth gemma-louise geoffrey gerald gillian gina glen glenn gloria gordon grant gregory hailey harley
harper heather heidi hollie hugo ida isabel isabelle ivy jackie jackson jacqueline jaden jamal janet janice
jarrod jay jean jeffrey jenna jenny jeremy jill jim jimmy joan joanna jodie joey johnny jon jonah josephine
joy joyce judith judy jude julia julian june justin kai kaitlyn karl kath kathleen kathryn kay kayla
kayden keeley kenneth kerry kim kimberley kris kristian lacey lana lara leanne leighton lenny leon lesley
leslie levi lewis-james lexi lindsay lindsey linda lola lorna lorraine louie louis luca lucas lydia lyla
mabel maddison madison maisie malcolm margaret marie marion marjorie martha maureen maxine max maya mia
michaela mildred millie miriam mitchell mohamed morgan muhammad-ali nadia naomi natalie natasha nathaniel
neve niamh nicholas nick nicky nigel nina noel norman olive ollie paige pamela patricia pauline penny phoebe
phil phoenix pippa rachael ralph ray raymond rebekah reggie reuben rhiannon ricky rita rob robbie robyn
rodney roger roman ronald rory rosie rowan roy ruth sadie sally samantha sara savannah scarlett seb
sebastian shannon sheila shelley sherry sian sienna sofia sonia stanley stella steve sue summer sylvia
tara teddy teresa theo theodore thea tia tilly tina toby todd tommy tracy travis trevor troy valerie
vanessa vera vicky vincent violet wendy willow yvonne zach zachary zain zack kayleigh ellie-mae jaden
""".split())
_HONORIFICS = frozenset({"mr", "mrs", "ms", "miss", "mx"})
RANKS = (r"(?:PC|DC|PCSO|DS|DI|DCI|Det|Detective|Sergeant|Sgt|Inspector|Insp|Supt|Superintendent|Chief|"
         r"Constable|Officer|Cllr|Councillor|Dr|Judge|Recorder|HHJ|Justice|Mr Justice|Mrs Justice|Sir|Dame)")
_NOT_NAMES = frozenset("""
police the a an this that these those on in at of and or but if we our you your he she they it his her
their road street lane avenue close drive way crescent grove terrace place gardens court crown magistrates
youth station county city council north south east west central high new old upper lower great little
monday tuesday wednesday thursday friday saturday sunday january february march april may june july
august september october november december detective sergeant inspector constable chief superintendent
officer officers pc dc pcso ds di dci det sgt insp supt witness witnesses please anyone thank thanks
update appeal missing road closed closure crimestoppers action fraud national rail bridge park school
academy college hospital royal infirmary general university church saint st police's motorway
""".split())
_NAME = re.compile(r"(?<![\w'])([A-Z][a-z]+(?:-[A-Z][a-z]+)?)((?:\s+[A-Z][a-z]+(?:-[A-Z][a-z]+)?)?"
                   r"\s+(?:Mc|Mac|O')?[A-Z][a-z]+(?:-[A-Z][a-z]+)?)(?![\w'])")
_NUMBER_WORDS = {w: n for n, w in enumerate(
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen "
    "seventeen eighteen nineteen".split())}
_NUMBER = r"(\d{1,2}|" + "|".join(_NUMBER_WORDS) + r")"
# An age beside a name: "Jack Smith, 15,", "(15)", "is just 16", "is only fifteen".
_AGE_AFTER = re.compile(r"\s*(?:,\s*(?:aged\s+)?(\d{1,2})\b|\((\d{1,2})\)|\s(?:is|was)\s+(?:just|only|now|aged)\s+"
                        + _NUMBER + r"\b(?![.:]\d|\s*(?:%|mph|miles|minutes|hours|days|weeks|months|times|counts|£)))",
                        _I)
_NAME_CUE = re.compile(r"(?:named (?:locally |on social media |online )?as|called|name is|known as|victim,?|"
                       r"(?:RIP|R\.I\.P\.?|rest in peace)(?: to)?)\s*$", _I)
_RANK_BEFORE = re.compile(RANKS + r"\.?\s*$")

_AGE = re.compile(r"\b" + _NUMBER + r"[- ]years?[- ]olds?\b|\baged?\s+" + _NUMBER + r"\b|\((\d{1,2})\)", _I)
_JUVENILE_WORD = re.compile(r"\b(?:teenager|teenage|teen|schoolboy|schoolgirl|schoolkid|youth|juvenile|young person|"
                            r"youngster|minor|under-18|child|kid|pupil|boy|girl)s?\b|\byear (?:[7-9]|1[0-3])\b|"
                            r"\bunder (?:the age of )?1[0-8]\b", _I)
_YOUTH_COURT = re.compile(r"\byouth court\b", _I)
# Offences and the words of the criminal process (the Theft, Sexual Offences and Public Order Acts'
# offences in everyday words), so "done for three burglaries" or "a knife was found in his bag" count. Topic
# words ("crime", "drugs", "scams") are left out: a school talk about knife crime or online scams is no offence.
_OFFENCE = re.compile(r"\b(?:charged|arrested|convicted|sentenced|pleaded|admitted|remanded|court|bailed|custody|"
                      r"assault\w*|robbery|robbed|rob|mugg\w*|burglar\w*|burgl\w*|break-ins?|stab\w*|theft|thie\w*|"
                      r"stole|stolen|steal\w*|shoplift\w*|criminal damage|vandal\w*|graffiti|arson|set fire|"
                      r"attack\w*|punch\w*|fight\w*|affray|disorder|threat\w*|harass\w*|stalk\w*|intimidat\w*|"
                      r"murder\w*|manslaughter|kill\w*|shot|shooting|firearm|gun|rape\w*|sexual\w*|indecent\w*|"
                      r"groom\w*|exploit\w*|voyeur\w*|upskirt\w*|offence\w*|offend\w*|dealing|"
                      r"possession|joyrid\w*|suspicion|suspect\w*|youth court|referral order|caution\w*|done for|in trouble with)\b", _I)
_SCHOOL = re.compile(r"\b(?:St\.? [A-Z][a-z]+'s\s+(?:[A-Z][a-z']+\s+){0,2}|(?:[A-Z][a-z']+\s+){1,3})"
                     r"(?:Academy|School|College|Primary|Grammar|Secondary|Juniors|Infants|Sixth Form|"
                     r"High(?!\s+(?:Street|St|Road|Rd|Court|Park|Lane|Bank|Green|Wood|Town|Level|Court)\b))\b")
_CHILD_HOME = re.compile(r"\b(?:lives?|living|lived|stays|staying|home)\b[^.]{0,30}?\b(?:on|in|at)\s+"
                         r"((?:[A-Z][a-z']+\s+){1,3}(?:Road|Street|Lane|Avenue|Close|Drive|Way|Crescent|Grove|"
                         r"Terrace|Place|Gardens|Walk|Mews|Rise|Row|Square|View|Court|Estate))\b")
# A child identified through a relative (jigsaw identification): "she is the daughter of a city councillor", "the
# younger brother of footballer Dwayne Reid", "whose mum runs the chip shop on the High Street".
_CHILD_RELATIVE = re.compile(r"\b(?:is|was|are|were|and|being)\s+(?P<rel>(?:the|a|an)\s+(?:[\w-]+\s+){0,2}?(?:daughter|son|"
                             r"child|brother|sister|stepson|stepdaughter|step-?son|step-?daughter|grandson|granddaughter|"
                             r"nephew|niece|cousin|twin)s?\s+of[^.;,!?]{3,60})|\b(?P<whose>whose\s+(?:mum|mother|dad|father|"
                             r"parents?|brother|sister|uncle|aunt|auntie|gran|grandad|grandmother|grandfather|nan|family|"
                             r"stepdad|stepmum|step-?father|step-?mother)\b[^.;,!?]{3,60})|"
                             # "his father is the landlord of the Red Lion", "her mum runs the bakery on ..."
                             r"\b(?P<parent>(?:his|her|their)\s+(?:mum|mother|dad|father|parents|stepdad|stepmum|"
                             r"step-?father|step-?mother|uncle|aunt|auntie|gran|grandad|grandmother|grandfather|nan)\s+"
                             r"(?:(?:is|are|was|were)\s+(?:a|an|the)\s+|(?:runs?|owns?|manages?|works? (?:at|for|in)|"
                             r"teach(?:es)? (?:at|in))\b)[^.;,!?]{3,60})", _I)
# A child's first name tied to a juvenile word or an age: "the older boy, Connor,", "14-year-old Aaron", "Aaron, 14,".
_JUVENILE_BEFORE = re.compile(r"(?:\b(?:boy|girl|teenager|teen|youth|lad|youngster|pupil|schoolboy|schoolgirl|"
                              r"child|son|daughter)s?,?\s+(?:named\s+(?:as\s+)?|called\s+)?|\b(?:1[0-7]|[4-9]|"
                              r"ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen)[- ]years?[- ]old\s+)$", _I)

# The offences whose complainants have lifelong anonymity (Sexual Offences (Amendment) Act 1992 s.2: the
# Sexual Offences Act 2003 Part 1 offences, the older indecency offences, and since 2024 intimate image abuse).
_SEXUAL = re.compile(r"\b(?:rape[ds]?|raping|sexual(?:ly)?\s+(?:assault\w*|offence\w*|activity|touching|touched|"
                     r"abuse\w*|abusing|exploit\w*|harass\w*|motivated|communication|images?)|assault by penetration|"
                     r"sex(?:ual)? offences?|indecent(?:ly)?\s+(?:assault\w*|touch\w*)|indecent exposure|exposed himself|"
                     r"voyeurism|upskirting|grooming|groomed|molest\w*|incest|familial sex\w*|gross indecency|"
                     r"child sexual exploitation|CSE|sextortion|intimate images?|revenge porn|"
                     r"(?:trafficking|exploitation) for sexual)\b", _I)
_RELATIONS = (r"(?:daughter|son|niece|nephew|granddaughter|grandson|grandchild\w*|sister|brother|wife|husband|partner|"
              r"girlfriend|boyfriend|ex|ex-wife|ex-husband|ex-partner|ex-girlfriend|fianc[ée]e?|cousin|pupil|student|"
              r"patient|client|employee|colleague|neighbour|lodger|tenant|flatmate|housemate|teammate|babysitter|"
              r"carer|stepchild|child|children|mother|father|mum|dad|aunt|uncle)")
_RELATION = re.compile(r"\b(?:his|her|their)\s+(?:own\s+|former\s+|late\s+|then\s+)?"
                       r"(?:(?:\d{1,2}|[a-z]+)[- ]years?[- ]old\s+|(?:young|teenage|elderly|older|younger|eldest|"
                       r"youngest|vulnerable|disabled)\s+)?(?:(?:[\w-]+\s+)?[\w-]+'s\s+)?"
                       r"(?:step-?|foster\s+|god|adopted\s+)?" + _RELATIONS + r"\b", _I)
_VICTIM_ROLE = re.compile(r"\b(?:a|an|the)\s+(?:[\w-]+\s+){0,3}?(?:nurse|teacher|teaching assistant|pupil|student|"
                          r"worker|employee|member of staff|carer|cleaner|receptionist|waitress|waiter|barmaid|barman|"
                          r"doctor|dancer|volunteer|resident|patient|cadet|player|shop assistant|cashier|midwife|"
                          r"hairdresser|nanny|babysitter|tenant|guest|member)s?\s+(?:(?:who\s+)?(?:living|lives|staying|stays|based|"
                          r"working|works|studying|studies|boarding)\s+)?(?:at|from|of|in)\s+(?:the\s+)?"
                          r"[A-Z][\w'’-]*(?:\s+[A-Z][\w'’-]*){0,4}")
# Places too vague to identify anyone: "who lives in the area".
_NOT_VAGUE = (r"(?!(?:the\s+)?(?:same\s+)?(?:area|region|county|city|town|village|country|UK|north|south|east|west|"
              r"local area|community|neighbourhood|locality)\b)")
_VICTIM_WHERE = re.compile(r"\b(?:victim|woman|girl|man|boy)\b[^.]{0,40}?\b(?:who (?:works|worked) (?:at|in)|"
                           r"who (?:lives|lived) (?:in|on|at)|a (?:pupil|student|nurse|teacher) at|"
                           r"(?:works|worked) at)\s+" + _NOT_VAGUE + r"((?:the\s+)?(?:[A-Z][\w']*\s*){1,5})", _I)
# Where the victim lives or works described by anything, not only a named place: "the woman, who still lives in the
# flat above his office", "who works in the café next to his shop".
_VICTIM_LIVES = re.compile(r"\b(?:victim|woman|girl|boy|complainant|survivor|she)\b,?\s+(?:who\s+)?"
                           r"(?:still\s+|now\s+|currently\s+|also\s+)?(?:lives|lived|works|worked|stays|stayed)\s+"
                           r"((?:in|on|at|near|above|below|next to|opposite|beside)\s+" + _NOT_VAGUE + r"(?:the|his|her|a)\s+[^.,;!?]{3,60})",
                           _I)
# A home address said to be the victim's: "sexually assaulted in her home at 12 Florence Street".
_VICTIM_HOME = re.compile(r"\b(?:her|his|their|the victim's|victim's) (?:own )?(?:home|house|flat|address)\s+(?:at|in|on)\s*$",
                          _I)
_FROM_STREET = re.compile(r"\bfrom\s+((?:[A-Z][a-z']+\s+){1,3}(?:Road|Street|Lane|Avenue|Close|Drive|Way|"
                          r"Crescent|Grove|Terrace|Place|Gardens|Walk|Mews|Rise|Row|Square|View|Court))\b")

_ACTIVE = re.compile(r"\b(?:arrested|charged|remanded|in custody|on bail|bailed|summons(?:ed)?|summoned|"
                     r"(?:will |to )?appear(?:s|ed)?\s+(?:at|before|in)\b|trial)\b", _I)
_CHARGED = re.compile(r"\b(?:charged|remanded|(?:will |to )?appear(?:s|ed)?\s+(?:at|before|in)\b|"
                      r"summons(?:ed)?|trial)\b", _I)
_CONVICTED = re.compile(r"\b(?:(?<!not )pleaded guilty|(?<!not )found guilty|convicted|sentenced|jailed|"
                        r"imprisoned|detained for|given a\b[^.]{0,30}\b(?:sentence|order)|ordered to pay|"
                        r"admitted\b[^.]{0,60}\bat\b[^.]{0,40}\bcourt)", _I)
_LABEL = re.compile(r"\b(?:thugs?|scumbags?|scum|yobs?|yobbos?|low-?li(?:fe|ves)|louts?|vermin|monsters?|"
                    r"thieving|animals who|sicko|nonces?|paedos?|perverts?|pervs?|toe-?rags?|wrong'?uns?|crooks?|"
                    r"degenerates?|evil (?:man|woman|individual|person)|"
                    r"vile (?:man|woman|individual|person|offender))\b", _I)
_OFFENCE_PAST = (r"(?:stabbed|attacked|killed|murdered|robbed|raped|assaulted|burgled|stole|shot|mugged|targeted|"
                 r"conned|defrauded|abused|punched|kicked|beat|glassed|threatened|terrori[sz]ed|ran over|set fire to|"
                 r"mowed down|knocked down|ran down|ploughed into|wounded|torched|vandalised|scammed|"
                 r"swindled|fleeced|duped|tricked|harassed|stalked|groomed|exploited|preyed on|ransacked|broke into|"
                 r"smashed|ruined|sexually assaulted|indecently assaulted)")
# An offence word used as what the person is ("Fraudster Sharon Delaney", "Stalker charged:", "these dealers"):
# before a verdict that is the guilt a court has not found. "Suspected", "alleged" or "accused" before it is fine.
_OFFENDER_NOUN = (r"(?:fraudsters?|con ?m[ae]n|stalkers?|burglars?|thie(?:f|ves)|robbers?|muggers?|rapists?|killers?|"
                  r"murderers?|paedophiles?|(?:sexual |sex )?predators?|abusers?|arsonists?|attackers?|(?:drug )?dealers?|"
                  r"drink[- ]drivers?|dangerous drivers?|groomers?|offenders?|criminals?|shoplifters?|vandals?|"
                  r"knifem[ae]n|gunm[ae]n|perpetrators?|culprits?)")
_NOT_ALLEGED = r"(?<!suspected )(?<!alleged )(?<!accused )(?<!a )(?<!an )"
_OFFENCE_ING = (r"(?:stealing|robbing|attacking|stabbing|assaulting|killing|murdering|raping|burgling|breaking into|"
                r"targeting|defrauding|conning|mugging|threatening|punching|kicking|glassing|setting fire to|"
                r"smashing|shooting|abusing|terrori[sz]ing|fleecing|swindling|scamming|duping|tricking|exploiting|grooming|"
                r"stalking|harassing|torching|ransacking|vandalising|mowing down|knocking down)")
_GUILT = re.compile(r"\b(?:the (?:offender|culprit|attacker|killer|murderer|rapist|robber|burglar|thief|"
                    r"perpetrator|person responsible|man responsible|woman responsible|people responsible|"
                    r"guilty (?:man|woman|party|person))|(?:who|that) did this|caught red-handed|"
                    r"(?:the|a|an) (?:\d{1,2}-year-old )?(?:[a-z-]+ )?(?:man|woman|person|people|pair|men|women|gang|driver|youth|"
                    r"teenager|suspect|thug|lad|boy|girl) (?:who|that) " + _OFFENCE_PAST + r"|"
                    r"after " + _OFFENCE_ING + r"(?:\s+(?:[£$]?\d[\d,]*\d|[^\s.,;!?]+)){0,2}|"
                    r"(?:he|she|they) (?:then |also |had )?" + _OFFENCE_PAST + r"|"
                    r"caught (?:him|her|them|the \w+) (?:in the act|at it|bang to rights|red-handed)|"
                    r"throw(?:s|n)? the book at|lock (?:him|her|them) up|throw away the key|"
                    r"rot in (?:jail|prison|a cell)|get what (?:he|she|they) deserves?|"
                    r"(?:he|she|they)(?:'ll| will) (?:go|be sent) down|"
                    r"we(?:'ve| have)? got (?:him|her|them|our man)|brought to justice|justice (?:has been|is|will be) "
                    r"(?:done|served)|(?:clearly|obviously|definitely) guilty|bang to rights|"
                    r"off (?:our|the) streets for good|confessed|"
                    # the offender noun as a title or a headline, or pointed at: "Fraudster Sharon Delaney",
                    # "Stalker charged:", "these dealers"
                    r"(?:(?<=^)|(?<=[.!?:]\s)|(?<=\n))(?:(?!suspected|alleged|accused)[a-z-]+\s+)?" + _OFFENDER_NOUN
                    + r"\s+(?:charged|arrested|remanded|in court|due in court|to face trial|appears?|denies|bailed)|"
                    + _NOT_ALLEGED + _OFFENDER_NOUN + r"\s+(?-i:[A-Z][a-z]+(?:\s+[A-Z][a-z'-]+){1,2})|"
                    r"(?:these|those|this|that)\s+(?:[\w-]+\s+)?" + _OFFENDER_NOUN + r"|"
                    # a verdict foretold, or what they did taken as known
                    r"for what (?:he|she|they) (?:really )?(?:is|are|did|has done|have done|had done)|"
                    r"(?:answer|pay|be punished|face justice) for (?:his|her|their) (?:crimes?|actions|offences)|"
                    r"(?:no|little|without (?:a|any)) doubt (?:that )?(?:he|she|they|(?:the|this) (?:man|woman|suspect|"
                    r"defendant)) (?:did|was responsible|were responsible|is guilty|was guilty|committed|carried out|"
                    + _OFFENCE_PAST[3:-1] + r")|(?:he|she|they) did (?:it|this)|"
                    r"(?:the|a) jury will (?:see|convict|find|agree|know)|"
                    r"(?:confident|sure|certain)\b[^.;]{0,30}\b(?:convict(?:ed|ion)?|found guilty|guilty verdict)|"
                    r"(?:he|she|they|(?:these|those|this|that) [\w-]+|the (?:men|man|woman|women|pair|gang|dealers?|"
                    r"offenders?|criminals?))\s+(?:is|are|was|were|have been|has been|will be)\s+(?:now\s+)?"
                    r"off (?:our|the) streets|"
                    r"(?:made|making|make|makes)\s+(?:[\w'’-]+\s+){1,2}li(?:fe|ves)\s+(?:a\s+)?(?:misery|hell|living hell|"
                    r"nightmare))\b", _I)
# Bad character in the words people use: a record, prison, a ban or bail already, a history, a reputation.
_PREVIOUS = re.compile(r"\b(?:previous convictions?|prior convictions?|criminal (?:record|past)|known to (?:police|officers|us)|"
                       r"(?:has|with) (?:a |an )?(?:long |violent |criminal )?history of|history of (?:violence|"
                       r"offending|crime|abuse|domestic abuse)|(?:long|violent|criminal) (?:history|past|record)|"
                       r"previously (?:been )?(?:jailed|convicted|served|arrested|charged|cautioned|banned|imprisoned)|"
                       r"(?:is|was) on (?:licence|parole)|on bail for|(?:recently |only |just )?(?:released|freed|out) "
                       r"(?:from|of) (?:prison|jail)(?: only)?|(?:served|done) time|ex-con\w*|jailbird|has form|"
                       r"not the first time|in trouble with (?:the )?police before|"
                       r"no stranger to (?:us|police|the police|officers|the courts|the law|trouble|custody|prison)|"
                       r"(?:arrested|convicted|jailed|charged|cautioned|caught|stopped)\s+(?:\d+|two|three|four|five|six|"
                       r"seven|eight|nine|ten|several|many|numerous|multiple|a number of|countless|dozens of)\s+times(?!\s+(?:as|more))|"
                       r"(?:\d+|several|many|numerous|multiple) (?:previous|prior|past|earlier|other) (?:arrests|convictions|cautions)|"
                       r"(?:already|currently|previously) (?:banned|disqualified|wanted|on bail|under investigation|"
                       r"serving|barred|subject to)\b[^.,;]{0,30}|"
                       r"(?:serial|prolific|persistent|repeat|habitual|career|notorious|convicted|well-known|known)\s+"
                       r"(?:local\s+)?(?:offender|burglar|thief|shoplifter|criminal|drug dealer|dealer|troublemaker|"
                       r"gang member|sex offender|abuser|fraudster|conman|con man|car thief))\b", _I)
_IMAGE = re.compile(r"\b(?:pictured|picture[ds]?|photo(?:graph)?s?|images?|mugshots?|custody (?:image|photo)s?|"
                    r"video|footage)\b", _I)

_FATAL = re.compile(r"\b(?:died|dies|death|dead|killed|fatal(?:ly)?|passed away|pronounced dead|lost (?:his|her|their) "
                    r"lives?|drown(?:ed|ing)|critical condition|life-threatening|life-changing|seriously injured|bodies|body)\b", _I)
_HEDGE = re.compile(r"\b(?:named locally as|named on social media as|has been named online as|"
                    r"named (?:on|by) (?:Facebook|Twitter|X|Instagram|TikTok|Snapchat|local media|the press|friends|"
                    r"neighbours) as|"
                    r"(?:is |are )?(?:believed|thought|understood|said|reported) to (?:be|have been)"
                    r"(?!\s+(?:not\s+)?(?:life|serious|critical|stable|minor|suspicious|linked|connected|related|"
                    r"isolated|accidental|non-|aged|around|about|in (?:a|his|her|their) (?:serious|critical|stable|"
                    r"(?:late |early |mid-?)?\d0s|teens|twenties|thirties|forties|fifties|sixties|seventies|eighties)))"
                    r"(?:\s+(?:a|an)\s+[^,.;!?]{3,60})?|"
                    r"we (?:understand|believe)(?: that)? (?:he|she|they) (?:was|were|is|are)\s+(?:a|an)\s+[^,.;!?]{3,60}|"
                    r"(?:awaiting|pending|before) formal identification|"
                    r"formal identification (?:is|has|will)?\s*(?:still|yet|not yet)\s+(?:to\s+)?(?:taken|take|been|be|"
                    r"happen|happened)?\s*(?:place|carried out)?|"
                    r"(?:not|\w+n['’]t|unable to|yet to|still trying to|working to|trying to|continue to|continuing to)\s+"
                    r"(?:yet\s+)?(?:been able to\s+)?(?:trace|contact|inform|reach|tell|notify|locate|find|(?:speak|spoken|talk|talked|"
                    r"spoke) (?:to|with))\w*\s+"
                    r"(?:his|her|their|the)\s+(?:next of kin|family|families|relatives|loved ones)|"
                    r"(?:waiting|yet|still|trying|hoping|need|needing|going) to (?:speak|talk) (?:to|with)\s+"
                    r"(?:(?:his|her|their|the)\s+)?(?:next of kin|family|families|relatives|loved ones|parents)|"
                    r"not (?:yet |been |yet been )*(?:confirmed|verified|checked) (?:with|by) (?:his|her|their|the) "
                    r"(?:next of kin|family|families|relatives|parents)|"
                    # the relatives not yet told, in any tense: "next of kin have not been told yet", "his family
                    # are yet to be contacted", "his parents are still travelling to the area"
                    r"(?:(?:his|her|their|the)\s+)?(?:next of kin|family|families|relatives|loved ones|parents|"
                    r"(?:wife|husband|partner|mum|mother|dad|father|son|daughter|children)(?=\s+(?:is|are|has|have)))\s+"
                    r"(?:is|are|has|have|were|was|had)(?:n['’]t|\s+not|\s+(?:still|yet)\b)(?:\s+(?:yet|been|to|be|still))*\s+"
                    r"(?:informed|told|notified|contacted|traced|reached|aware|travelling|on (?:their|the|his|her) way|"
                    r"being (?:traced|sought|contacted))\w*(?:\s+(?:yet|to the area|by officers))?|"
                    r"(?:yet to be|not yet been|has not been) formally identified|"
                    r"formal identification (?:has yet to|is yet to|has not yet|has not)\w*(?: take place| taken place)?|"
                    r"(?:family|families|next of kin|relatives)\s+(?:have|has)\s+(?:not yet|yet to)\s+(?:been\s+)?"
                    r"(?:be\s+)?(?:informed|told|notified|contacted)|"
                    r"(?:before|until) (?:his|her|their) (?:family|next of kin|relatives) (?:has|have|had|are|is) been "
                    r"(?:informed|told|notified))", _I)
_PERSON = (r"(?:man|woman|men|women|boy|girl|child|baby|teenager|youth|person|people|driver|rider|motorcyclist|cyclist|"
           r"pedestrian|passenger|pilot|victim|casualty|deceased|worker|walker|swimmer|climber|resident|occupant|"
           r"pensioner|student|soldier|officer|patient|pair|couple)")
# Who the casualty is, said on a hedge: "initial reports suggest the motorcyclist who died was a serving soldier",
# "early indications are the boy was on holiday from Glasgow", "we understand she was the grandmother of ...",
# "who we believe to be a local farmer", "unconfirmed reports name him as ...", "possibly the caretaker", "it's
# likely to be one of the night shift crane operators". The claim must say who (`_IDENTITY`), not how it happened.
_HEDGED_CLAIM = re.compile(
    r"\b(?:(?:(?:initial|early|first|unconfirmed|local|media|press|some)\s+)?(?:reports?|indications?|information|"
    r"rumou?rs?|speculation)\s+(?:that|suggests?|suggesting|indicates?|indicating|are|is|says?|claims?|names?|named)"
    r"(?:\s+that)?|we\s+(?:understand|believe|think)(?:\s+that)?|it is (?:understood|believed|thought)(?:\s+that)?|"
    r"(?:neighbours|sources|friends|locals|witnesses|residents|people|some)\s+(?:say|said|suggest|believe|claim|told us)"
    r"(?:\s+that)?|(?:who|whom)\s+(?:we|police|officers)\s+"
    r"(?:believe|think|understand|suspect))\s+"
    r"(?:(?:he|she|they|him|her|them|the\s+(?:[\w-]+\s+)?" + _PERSON + r"(?:\s+who\s+(?:died|was killed|was injured))?)\s+)?"
    r"(?:was|were|is|are|to be|to have been|as|lived|worked)\s+(?P<claim>[^,.;!?]{3,70})"
    r"|\b(?:possibly|probably|perhaps|(?:it['’]s|it is|is|are|was|were) (?:likely|possibly|probably) to (?:be|have been))\s+"
    r"(?P<role>(?!(?:the|a|an)\s+(?:result|cause|case|reason|same|first|only|\w+est|most)\b)"
    r"(?:the|a|an|one of|that of|local)\s+[^,.;!?]{3,60})", _I)
_AGE_ONLY = re.compile(r"\s*(?:(?:in (?:his|her|their) (?:late |early |mid-?)?(?:\d0s|teens|twenties|thirties|forties|"
                       r"fifties|sixties|seventies|eighties|nineties)|aged \d+|about \d+|around \d+|\d+)\s*,?\s*(?:and\s+)?)",
                       _I)
_IDENTITY = re.compile(r"(?:(?i:a|an|the|one of|that of|from|local|well[- ]known|named|known|on holiday|visiting|"
                       r"staying|living|lived|working|worked|his|her|their|on (?:a|an|his|her|their))\b|[A-Z'‘\"“])")
_DEFENDANT_AFTER = re.compile(r"\A[^.;]{0,30}?\b(?:has been |was |been |will |is )?(?:charged|convicted|jailed|"
                              r"sentenced|arrested|remanded|appeared|appear|appears|pleaded|found guilty|admitted|"
                              r"denies|denied)\b", _I)
_CONFIRMED = re.compile(r"\b(?:(?:family|families|next of kin|relatives) (?:has|have) been (?:informed|told|notified|"
                        r"made aware)|formal identification has (?:now )?taken place|formally identified as|"
                        r"(?:family|families) (?:is|are) being supported|specialist officers|"
                        r"family (?:has|have) (?:paid tribute|released|issued|asked)|tribute)\b", _I)
_KIN = re.compile(r"\b(?:his|her|their)\s+(?:wife|husband|mother|father|mum|dad|partner|son|daughter|brother|sister|"
                  r"parents|children|girlfriend|boyfriend|fianc[ée]e?|uncle|aunt|cousin|nephew|niece|grandson|"
                  r"granddaughter|grandmother|grandfather|nan|grandad|stepfather|stepmother|stepson|stepdaughter)"
                  r"\s*,?\s+((?:[A-Z][a-z]+(?:-[A-Z][a-z]+)?\s*){1,3})")

# --- personal data ------------------------------------------------------------------------------------

# Seven digits with at most a few separators between them: the least a phone number can be.
_PHONE_LIKE = re.compile(r"\d(?:[\s().+/-]{0,3}\d){6}")
# How people write a phone number they mean to be dialled: a trunk 0, or + / 00 for the country code.
_DIALLED = re.compile(r"\s*\(?\s*(?:\+|00|0)")
_EMAIL = re.compile(r"(?<![\w.+-])[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\b")
_ORG_EMAIL = re.compile(r"@(?:[\w-]+\.)*(?:police\.uk|gov\.uk|nhs\.(?:uk|net)|crimestoppers-uk\.org|"
                        r"actionfraud\.police\.uk|parliament\.uk)$", _I)
# Postcodes in any case and with no, one or two spaces ("ls6 2ab", "WF13  4PQ", "BD74AB"); the inward
# code's letters leave out C, I, K, M, O, V, so "at 2am" or "B6 2pm" never match.
_POSTCODE = re.compile(r"\b(?:GIR ?0AA|[A-PR-UWYZ](?:\d[A-HJKPSTUW\d]?|[A-HK-Y]\d[ABEHMNPRVWXY\d]?)\s{0,2}\d"
                       r"[ABD-HJLNP-UW-Z]{2})\b", _I)
# Registrations: the three styles in capitals, spaced or not; the current style (AB12 CDE) also in lower case,
# where the older styles would match words ("the a1 and ...").
_VRM = re.compile(r"\b(?:[A-Z]{2}(?:0[2-9]|[1-7]\d) ?[A-Z]{3}|[A-HJ-NP-Y]\d{1,3} ?[A-Z]{3}|[A-Z]{3} ?\d{1,3}[A-HJ-NP-Y]|"
                  r"[a-z]{2}(?:0[2-9]|[1-7]\d) ?[a-z]{3})\b")
# National Insurance numbers: capitals with the digits in any grouping ("JK 123 456 A", "JK 12 34 56 A"); in
# lower case only after an NI cue, where "as 123456 a" could otherwise be a sentence. After the cue any two capitals
# count: a draft's number may be HMRC's own example ("QQ 12 34 56 C") or mistyped, and is still meant as a NINO.
_NINO_DIGITS = r"[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z] ?\d(?: ?\d){5} ?[A-D]\b"
_NINO = re.compile(r"\b(?!BG|GB|KN|NK|NT|TN|ZZ)" + _NINO_DIGITS + r"|(?:\bNI(?:NO)?\b|national insurance)[^.\n]{0,30}?"
                   r"\b((?i:(?!bg|gb|kn|nk|nt|tn|zz)" + _NINO_DIGITS + r")|[A-Z]{2} ?\d(?: ?\d){5} ?[A-D]\b)")
_MONTHS = r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)"
_DATE = (r"(?:\d{1,2}[/.-]\d{1,2}[/.-](?:\d{4}|\d{2})|\d{1,2}(?:st|nd|rd|th)?\s+(?:of\s+)?" + _MONTHS
         + r",?\s+(?:\d{4}|'\d{2})|" + _MONTHS + r"\s+\d{1,2}(?:st|nd|rd|th)?,?\s+\d{4})")
# The cue, then at most a short filler ("born on the", "DOB as", "date of birth was", "DOB -") before the date.
_DOB = re.compile(r"\b(?:date of birth|birth ?date|d\.?o\.?b\.?|born)\W{0,3}(?:(?:is|was|as|on|of|given as|"
                  r"the)\W{1,3}){0,3}(" + _DATE + r")", _I)
_STREET_TYPES = (r"(?:Road|Rd|Street|St|Lane|Ln|Avenue|Ave|Close|Drive|Dr|Way|Crescent|Grove|Terrace|Place|Gardens|"
                 r"Walk|Mews|Rise|Row|Square|View|Court|Hill|Parade|Green|Park)")
_FLAT = r"(?i:flat|apartment|apt\.?|unit)\s+\d{1,4}[A-Za-z]?,?\s+"
_BUILDING_TYPES = (r"(?:Court|House|Mill|Mills|Lodge|Tower|Towers|Heights|Buildings|Mansions|Point|Hall|Quay|Wharf|"
                   r"Works|Apartments|Flats|Block|Chambers|Lofts|Gardens|Place|Terrace|Villas|Cottages)")
_ADDRESS = re.compile(r"\b(?:(?:" + _FLAT + r")?(?<![\d:/.£])\d{1,4}[A-Za-z]?,?\s+(?:[A-Z][a-z']+\s+){1,3}" + _STREET_TYPES
                      + r"|" + _FLAT + r"(?:[A-Z][a-z']+\s+){1,3}" + _BUILDING_TYPES + r")\b")
# Obfuscated e-mail ("jo.b at gmail dot com", "jo (at) hotmail (dot) co (dot) uk"): an "at" or a "dot" spelt out,
# and a last label that is a common top-level domain, so ordinary sentences with "at" do not match.
_AT = r"(?:\s*@\s*|\s+(?:at|AT)\s+|\s*[(\[{<]\s*(?:at|AT)\s*[)\]}>]\s*)"
_DOT = r"(?:\.|\s+(?:dot|DOT)\s+|\s*[(\[{<]\s*(?:dot|DOT)\s*[)\]}>]\s*)"
_OBFUSCATED_EMAIL = re.compile(r"(?<![\w.+-])[A-Za-z0-9._%+-]*[A-Za-z0-9_%+-]" + _AT + r"[A-Za-z0-9-]+(?:" + _DOT
                               + r"[A-Za-z0-9-]+)*" + _DOT + r"(?:com|co|uk|org|net|io|me|info|biz|ac|ie|eu|de|fr)\b")
_ORG_PLACE = re.compile(r"\b(?:police station|police headquarters|police HQ|HQ|headquarters|station(?!\s+(?:Road|Street|Lane|Avenue|Approach|Hill|Way))|custody suite|"
                        r"front counter|enquiry office|(?:magistrates'?|crown|youth|county|coroner'?s'?) court|"
                        r"council offices|town hall|civic centre|community centre|library|fire station|"
                        r"hospital|surgery|drop-in|surgery|beat surgery|open day|pop-up)\b", _I)
_ORG_PHONE = re.compile(r"\b(?:incident room|switchboard|police|force|station|call us|ring us|contact us|"
                        r"crimestoppers|action fraud|helpline|line|team|unit|office|council|hotline)\b", _I)


_SINGLE_NAME = re.compile(r"(?<![\w'-])[A-Z][a-z]+(?:-[A-Z][a-z]+)?(?![\w'-]|\s+[A-Z][a-z])")


def _age(m: re.Match[str]) -> int:
    """The age a match of `_AGE` or `_AGE_AFTER` found, in digits or words."""
    value = next(g for g in m.groups() if g).lower()
    return int(value) if value.isdigit() else _NUMBER_WORDS[value]


@dataclass
class _Context:
    """What several rules need to know about a draft, worked out once."""

    text: str

    @cached_property
    def names(self) -> list[tuple[int, int, int | None]]:
        """Likely personal names (start, end, age given beside it): a known first name, or any capitalised
        pair with an age beside it or a naming cue before it. Officers (a rank before the name) are left out."""
        found = []
        for m in _NAME.finditer(self.text):
            words = [w.lower() for w in m.group(0).split()]
            if any(w in _NOT_NAMES for w in words):
                continue
            before = self.text[max(0, m.start() - 30):m.start()]
            if _RANK_BEFORE.search(before):
                continue
            age_m = _AGE_AFTER.match(self.text, m.end())
            age = _age(age_m) if age_m else None
            if words[0] in FIRST_NAMES or words[0] in _HONORIFICS or age is not None or _NAME_CUE.search(before):
                found.append((m.start(), m.end(), age))
        return found

    @cached_property
    def first_names(self) -> list[tuple[int, int]]:
        """Known first names standing alone ("Chloe, who was ...", "RIP Jordan"), outside the names above
        and not after a rank: the victim and casualty rules use them where a cue ties them to the offence."""
        taken = [(a, b) for a, b, _ in self.names]
        found = []
        for m in _SINGLE_NAME.finditer(self.text):
            if m.group(0).lower() not in FIRST_NAMES or any(a <= m.start() < b for a, b in taken):
                continue
            if not _RANK_BEFORE.search(self.text[max(0, m.start() - 30):m.start()]):
                found.append((m.start(), m.end()))
        return found

    @cached_property
    def ages(self) -> list[int]:
        return [_age(m) for m in _AGE.finditer(self.text)]

    @cached_property
    def juvenile(self) -> bool:
        return (any(a < 18 for a in self.ages) or any(a is not None and a < 18 for _, _, a in self.names)
                or bool(_JUVENILE_WORD.search(self.text))
                or bool(_YOUTH_COURT.search(self.text)))

    @cached_property
    def offence(self) -> bool:
        return bool(_OFFENCE.search(self.text))

    @cached_property
    def sexual(self) -> bool:
        return bool(_SEXUAL.search(self.text))

    @cached_property
    def active(self) -> bool:
        """Proceedings are active from arrest or charge (Contempt of Court Act 1981, schedule 1) and until
        the case ends; a draft reporting a conviction or sentence is taken as after the verdict."""
        return bool(_ACTIVE.search(self.text)) and not self.convicted

    @cached_property
    def charged(self) -> bool:
        return bool(_CHARGED.search(self.text)) and not self.convicted

    @cached_property
    def convicted(self) -> bool:
        return bool(_CONVICTED.search(self.text))

    @cached_property
    def fatal(self) -> bool:
        return bool(_FATAL.search(self.text))

    def finding(self, start: int, end: int, risk: str, rule: str, severity: str, reason: str) -> Finding:
        return Finding(start, end, self.text[start:end], risk, rule, severity, reason)


Rule = Callable[[_Context], Iterator[Finding]]
RULES: dict[str, str] = {}
_RULE_FUNCTIONS: list[Rule] = []


def _rule(rule_id: str, summary: str) -> Callable[[Rule], Rule]:
    def register(fn: Rule) -> Rule:
        RULES[rule_id] = summary
        _RULE_FUNCTIONS.append(fn)
        return fn
    return register


@_rule("personal_data.phone", "a personal phone number (mobile or landline), found by libphonenumber")
def _phone(ctx: _Context) -> Iterator[Finding]:
    if not _PHONE_LIKE.search(ctx.text):
        return  # no seven digits together: libphonenumber's metadata (a third of a cold check) stays unloaded
    import phonenumbers

    for match in phonenumbers.PhoneNumberMatcher(ctx.text, "GB", leniency=phonenumbers.Leniency.POSSIBLE):
        raw = match.raw_string
        national = phonenumbers.national_significant_number(match.number)
        if not _DIALLED.match(raw):
            continue  # no trunk 0 or +: a log or reference number ("quoting 2300412345"), not a phone
        valid = phonenumbers.is_valid_number(match.number)
        shaped = re.match(r"\s*\(?\s*(?:\+44|0)", raw) and len(national) == 10
        if not (valid or shaped):
            continue
        kind = phonenumbers.number_type(match.number)
        organisational = (phonenumbers.PhoneNumberType.TOLL_FREE, phonenumbers.PhoneNumberType.PREMIUM_RATE,
                          phonenumbers.PhoneNumberType.SHARED_COST, phonenumbers.PhoneNumberType.UAN)
        if kind in organisational or national[0] in "389":
            continue
        mobile = national.startswith("7")
        if not mobile and _ORG_PHONE.search(ctx.text[max(0, match.start - 60):match.start]):
            continue
        yield ctx.finding(match.start, match.end, "personal_data", "personal_data.phone",
                          "high" if mobile else "medium",
                          "A personal phone number: publish it only with the person's consent. Force numbers "
                          "(101, 999, 0800/03 lines, a station's switchboard) are not flagged.")


@_rule("personal_data.email", "an e-mail address outside police, government and NHS domains, also spelt out")
def _email(ctx: _Context) -> Iterator[Finding]:
    for m in _EMAIL.finditer(ctx.text):
        if _ORG_EMAIL.search(m.group(0)):
            continue
        yield ctx.finding(m.start(), m.end(), "personal_data", "personal_data.email", "high",
                          "A personal e-mail address: it identifies and reaches one person (UK GDPR).")
    for m in _OBFUSCATED_EMAIL.finditer(ctx.text):
        if "@" in m.group(0) and "." in m.group(0).split("@")[-1] and " " not in m.group(0):
            continue  # a plain address, found above
        plain = re.sub(_DOT, ".", re.sub(_AT, "@", m.group(0)))
        if _ORG_EMAIL.search(plain):
            continue
        yield ctx.finding(m.start(), m.end(), "personal_data", "personal_data.email", "high",
                          "A personal e-mail address: it identifies and reaches one person (UK GDPR).")


@_rule("personal_data.postcode", "a full UK postcode, except a police station's or court's")
def _postcode(ctx: _Context) -> Iterator[Finding]:
    for m in _POSTCODE.finditer(ctx.text):
        if _ORG_PLACE.search(ctx.text[max(0, m.start() - 80):m.start()]):
            continue
        yield ctx.finding(m.start(), m.end(), "personal_data", "personal_data.postcode", "medium",
                          "A full postcode narrows a place to a handful of homes; give the street or area instead.")


@_rule("personal_data.address", "a house number and street, except a police station's or court's")
def _address(ctx: _Context) -> Iterator[Finding]:
    for m in _ADDRESS.finditer(ctx.text):
        if _ORG_PLACE.search(ctx.text[max(0, m.start() - 60):m.end() + 20]):
            continue
        yield ctx.finding(m.start(), m.end(), "personal_data", "personal_data.address", "high",
                          "A house number and street identify a home; say the street or area only.")


@_rule("personal_data.vehicle_registration", "a UK vehicle registration mark (current, prefix or suffix style)")
def _vrm(ctx: _Context) -> Iterator[Finding]:
    for m in _VRM.finditer(ctx.text):
        if _POSTCODE.fullmatch(m.group(0)):
            continue
        yield ctx.finding(m.start(), m.end(), "personal_data", "personal_data.vehicle_registration", "medium",
                          "A registration links to the keeper: publish it only where the appeal needs it "
                          "(a stolen or wanted vehicle), never a victim's or witness's.")


@_rule("personal_data.date_of_birth", "a date of birth")
def _dob(ctx: _Context) -> Iterator[Finding]:
    for m in _DOB.finditer(ctx.text):
        yield ctx.finding(m.start(1), m.end(1), "personal_data", "personal_data.date_of_birth", "high",
                          "A date of birth is an identifier used for fraud; an age is enough.")


@_rule("personal_data.national_insurance", "a National Insurance number")
def _nino(ctx: _Context) -> Iterator[Finding]:
    for m in _NINO.finditer(ctx.text):
        start, end = m.span(1) if m.group(1) else m.span()
        yield ctx.finding(start, end, "personal_data", "personal_data.national_insurance", "high",
                          "A National Insurance number must never be published.")


@_rule("child.identified", "a named or otherwise identifiable child or young person in a post about an offence")
def _child(ctx: _Context) -> Iterator[Finding]:
    if not (ctx.juvenile and ctx.offence):
        return
    adult_named = any(age is not None and age >= 18 for _, _, age in ctx.names)
    for start, end, age in ctx.names:
        if (age is not None and age < 18) or (age is None and not adult_named):
            yield ctx.finding(start, end, "child", "child.identified", "high",
                              "Names a child or young person in a post about an offence: under-18s in youth "
                              "proceedings are anonymous by law (CYPA 1933 s.49) and may be by court order.")
    for m in _SCHOOL.finditer(ctx.text):
        yield ctx.finding(m.start(), m.end(), "child", "child.identified", "medium",
                          "Names the school of a child involved in an offence, which can identify them.")
    for m in _CHILD_HOME.finditer(ctx.text):
        yield ctx.finding(m.start(1), m.end(1), "child", "child.identified", "medium",
                          "Gives the street a child involved in an offence lives on, which can identify them.")
    for start, end in ctx.first_names:
        age = _AGE_AFTER.match(ctx.text, end)
        if _JUVENILE_BEFORE.search(ctx.text[max(0, start - 40):start]) or (age and _age(age) < 18):
            yield ctx.finding(start, end, "child", "child.identified", "high",
                              "Names a child or young person in a post about an offence (a first name with their "
                              "age or beside \"the boy\" is enough to identify them locally).")
    for m in _CHILD_RELATIVE.finditer(ctx.text):
        group = next(name for name in ("rel", "whose", "parent") if m.group(name))
        yield ctx.finding(m.start(group), m.end(group), "child", "child.identified", "medium",
                          "Says whose child or relative a young person in an offence is: with the parent or relative "
                          "named or described, that identifies the child (jigsaw identification).")


@_rule("sexual_offence_victim.identified", "a detail that could identify the victim of a sexual offence")
def _sexual_victim(ctx: _Context) -> Iterator[Finding]:
    if not ctx.sexual:
        return
    reason = ("Victims of sexual offences have lifelong anonymity (Sexual Offences (Amendment) Act 1992): "
              "no name, and no detail that could identify them, alone or pieced together with others.")
    text = ctx.text
    for start, end in [(a, b) for a, b, _ in ctx.names] + ctx.first_names:
        before = text[max(0, start - 60):start]
        after = text[end:end + 60]
        charged = re.search(r"\b(?:has been |was |been )?(?:charged|convicted|jailed|sentenced|arrested|remanded|"
                            r"appeared|pleaded|found guilty|admitted)\b", after, _I)
        victim = (re.search(r"\b(?:victim|woman|girl|survivor|complainant)s?,?\s*(?:named as\s*)?$", before, _I)
                  or re.search(r"\b(?:rap(?:ed|ing)|assault(?:ed|ing)|abus(?:ed|ing)|attack(?:ed|ing)|against|"
                               r"groom(?:ed|ing)|touch(?:ed|ing))\s*$", before, _I)
                  or re.match(r"(?:,\s*(?:aged\s+)?\d{1,2},?)?,?\s+(?:was|had been|who (?:was|had been))\s+"
                              r"(?:(?:repeatedly|allegedly|then)\s+)?(?:raped|sexually|indecently|attacked|assaulted|"
                              r"abused|groomed|molested|touched|exploited)", after, _I))
        if victim and not charged:
            yield ctx.finding(start, end, "sexual_offence_victim", "sexual_offence_victim.identified", "high", reason)
    if ctx.names:
        for m in _RELATION.finditer(text):
            yield ctx.finding(m.start(), m.end(), "sexual_offence_victim", "sexual_offence_victim.identified",
                              "high", reason + " Naming the defendant and their relationship to the victim "
                                               "identifies the victim.")
    for m in _ADDRESS.finditer(text):
        if _VICTIM_HOME.search(text[max(0, m.start() - 40):m.start()]):
            yield ctx.finding(m.start(), m.end(), "sexual_offence_victim", "sexual_offence_victim.identified", "high",
                              reason + " The victim's address identifies them.")
    for pattern in (_VICTIM_WHERE, _FROM_STREET, _VICTIM_LIVES):
        for m in pattern.finditer(text):
            yield ctx.finding(m.start(1), m.end(1), "sexual_offence_victim", "sexual_offence_victim.identified",
                              "high", reason)
    for m in _VICTIM_ROLE.finditer(text):
        if re.search(r"(?:[A-Z][a-z]+|\d{1,2}|\))\s*,\s*$", text[max(0, m.start() - 12):m.start()]):
            continue  # "Neil Booth, 29, a teacher at ...": the defendant's own job
        yield ctx.finding(m.start(), m.end(), "sexual_offence_victim", "sexual_offence_victim.identified", "high",
                          reason + " A role at a named place (a pupil at a school, a nurse at a hospital) "
                                   "can identify the victim.")


@_rule("prejudicial.label", "an abusive label for a suspect or offender (thug, scumbag, yob ...)")
def _label(ctx: _Context) -> Iterator[Finding]:
    for m in _LABEL.finditer(ctx.text):
        yield ctx.finding(m.start(), m.end(), "prejudicial", "prejudicial.label",
                          "high" if ctx.active else "medium",
                          "An abusive label presumes guilt and can prejudice a trial (Contempt of Court Act 1981, "
                          "strict liability); it also falls short of the Code of Ethics.")


@_rule("prejudicial.guilt", "guilt presumed while proceedings are active (\"the offender\", \"who did this\")")
def _guilt(ctx: _Context) -> Iterator[Finding]:
    if not ctx.active:
        return
    for m in _GUILT.finditer(ctx.text):
        yield ctx.finding(m.start(), m.end(), "prejudicial", "prejudicial.guilt", "high",
                          "Someone has been arrested or charged: calling them the offender presumes the guilt a "
                          "court has not found (Contempt of Court Act 1981, strict liability). Say \"a man has "
                          "been charged\".")


@_rule("prejudicial.previous", "previous convictions or bad character while proceedings are active")
def _previous(ctx: _Context) -> Iterator[Finding]:
    if not ctx.active:
        return
    for m in _PREVIOUS.finditer(ctx.text):
        yield ctx.finding(m.start(), m.end(), "prejudicial", "prejudicial.previous", "high",
                          "Previous convictions or bad character must not be published before a verdict: a jury "
                          "may only hear them if the judge allows (Contempt of Court Act 1981).")


@_rule("prejudicial.image", "an image of a suspect after charge")
def _image(ctx: _Context) -> Iterator[Finding]:
    if not ctx.charged:
        return
    for m in _IMAGE.finditer(ctx.text):
        yield ctx.finding(m.start(), m.end(), "prejudicial", "prejudicial.image", "high",
                          "An image of someone charged can prejudice identification evidence at trial; publish "
                          "custody images only after conviction (NPCC/College of Policing media guidance).")


@_rule("casualty.unverified", "a casualty named or described before identification or before the family is told")
def _casualty(ctx: _Context) -> Iterator[Finding]:
    if not ctx.fatal:
        return
    reason = ("Name a person who has died or is seriously hurt only once they are formally identified and their "
              "next of kin have been told (APP media relations).")
    hedges = list(_HEDGE.finditer(ctx.text))
    for m in _HEDGED_CLAIM.finditer(ctx.text):
        claim = m.group("claim")
        if claim is not None:
            who = claim[_AGE_ONLY.match(claim).end() if _AGE_ONLY.match(claim) else 0:]
            if not who.strip() or not _IDENTITY.match(who):
                continue  # an age or how it happened ("believed he was in his 40s", "reports the car was speeding")
        hedges.append(m)
    for m in hedges:
        yield ctx.finding(m.start(), m.end(), "casualty", "casualty.unverified", "high", reason)
    if not hedges and _CONFIRMED.search(ctx.text):
        return
    for start, end, age in ctx.names:
        if _DEFENDANT_AFTER.search(ctx.text[end:end + 60]):
            continue  # the person charged or convicted, not the casualty
        yield ctx.finding(start, end, "casualty", "casualty.unverified", "high", reason)
    for start, end in ctx.first_names:
        if _NAME_CUE.search(ctx.text[max(0, start - 30):start]):
            yield ctx.finding(start, end, "casualty", "casualty.unverified", "high", reason)


@_rule("casualty.next_of_kin", "a casualty's relatives named")
def _next_of_kin(ctx: _Context) -> Iterator[Finding]:
    if not ctx.fatal:
        return
    for m in _KIN.finditer(ctx.text):
        name = m.group(1).rstrip()
        yield ctx.finding(m.start(1), m.start(1) + len(name), "casualty", "casualty.next_of_kin", "medium",
                          "Names a casualty's relative: their consent and the family liaison officer's agreement "
                          "come first.")


def check_draft(text: str) -> list[Finding]:
    """Every risk found in one draft, in reading order. Overlapping findings of the same risk are merged
    into the first (the highest severity kept), so one problem is reported once."""
    ctx = _Context(text)
    found = sorted((f for rule in _RULE_FUNCTIONS for f in rule(ctx)), key=lambda f: (f.start, -f.end))
    merged: list[Finding] = []
    for finding in found:
        same = next((m for m in merged if m.risk == finding.risk and finding.start < m.end and m.start < finding.end),
                    None)
        if same is None:
            merged.append(finding)
        elif SEVERITIES.index(finding.severity) < SEVERITIES.index(same.severity):
            merged[merged.index(same)] = Finding(same.start, max(same.end, finding.end),
                                                 text[same.start:max(same.end, finding.end)], same.risk,
                                                 finding.rule, finding.severity, finding.reason)
    return merged
