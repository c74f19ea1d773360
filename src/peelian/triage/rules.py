"""Transparent rules for the intent of a citizen post addressed to the police, and the high-recall
layer for immediate risk that works with no classifier.

Every rule is a regular expression over the lower-cased text, written in the subset that Python's
`re` and DuckDB's RE2 read alike, so the inbox can sort millions of posts in SQL and a single post
can be explained in Python with the same rules. Phrases that only look like risk ("this road is a
death trap", "killing it today officers!", "knife crime", "missing my old beat officer") are blanked
out first (HARMLESS), then each category's pattern is searched. A post that says it is about the past,
fiction or a safe outcome ("any update on...", "was he ever found", "home safe") is not read at all
(SUPPRESS, and STALE without a present-tense NOW cue): it may name a weapon, but no one is at risk now.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

INTENTS: tuple[str, ...] = ("urgent", "report", "question", "request_help", "complaint", "praise", "abuse", "other")
RISK_ADVICE = ("Immediate risk: if life is in danger or a crime is in progress, the person should call 999 "
               "(or text 999 if registered for emergency SMS); pass it to the control room now, then reply.")

# Phrases blanked out before the risk rules run: idioms, campaigns and talk about crime in general. Clauses about
# the past are not blanked: a post about the past is STALE and read only with a NOW cue, and a blanked clause ran
# on into the new danger ("the lad who assaulted me last week just messaged 'coming round now'").
IDIOMS = (
    r"death ?trap|killing it|killed it|smash(ed|ing)? it|to die for|dying to|(nearly |almost )?died laughing|"
    r"dying in|killing me|killing my|kill for|(i'?m|i am|im) (going to|gonna) (kill|strangle|murder|throttle|swing for) "
    r"(my|the) (husband|wife|mum|dad|kids|son|daughter|partner|brother|sister|boyfriend|girlfriend|kids|children|"
    r"teenagers?)\b[^.!?]*(haha|lol|if|when|one more)|"
    r"stab(bed|bing)? (me|him|her|us|them|you) in the back|(holding|held) (the house|the family|us|me|the (wi-?fi|"
    r"remote|telly|tv)) (hostage|prisoner|to ransom)|hostage (till|until|unless)|send (in )?(the )?negotiators|"
    r"(blades|knives|weapons|guns) off (the|our) streets|"
    r"knife (crime|amnesty|arch|bins?|angel|seizures?|awareness|surrender)|gun (crime|salute|scenes)|weapons? sweep|"
    r"knives? (handed|seized|surrender)|seized knives|glorif\w* knives|"
    r"(armed|firearms) (police|officers?|response|demo)|firearms officer|"
    r"murder mystery|being murdered every|blade runner|pub bombings|bomb of a|the bomb\b|was a blast|"
    r"riot of colou?r|on fire with|(is|was|were) fire\b|shot in the dark|(great|brilliant|lovely|nice) shot|"
    r"suicide prevention|mental health triage|"
    r"missing (my|the) (old|cat|dog|parcel)|missing (cat|dog|parcel|posters?|persons? (appeal|policy))|"
    r"(parcel|wallet|phone|bike|keys) (has |have )?(gone )?missing|"
    r"drowning in (paperwork|work|emails)|will kill (someone|a child) one day|going to kill someone one day|axe throwing|"
    r"(someone|somebody)('?s| is)? (gonna|going to|will) (die|get killed|be killed|end up dead|get hurt|jump) one day|"
    r"while (people|kids|folk|women)( are| get)? (getting |being )?(stabbed|shot|mugged|robbed|attacked|killed)|"
    r"small boats|knife ?crime|#\w*knife\w*|🔪\s*(❌|🚫)|#stop ?the ?\w+|\b(dumping|dumped|fly[- ]?tipp\w*)\b[^.!?]*|"
    r"killing (the|this) (night|community|economy)|"
    r"\b(ma|mam|mum|mom|mother|da|dad|wife|missus|husband|boss|nan|gran)('ll| will| is going to| is gonna| gonna) (kill|murder|"
    r"strangle) me\b[^.!?]*\b(if|when)\b|declared war on|"
    r"historic (assault|abuse|offence)|found (her|him|them)[^.!?]*(fine|safe|ok|well)|"
    r"is it (il)?legal to[^.!?]*|fake news[^.!?]*|not (an )?emergency|"
    r"shooting (rabbits|pigeons|game|a (film|video|scene)|photos)|(has|have) (anyone|someone|they) been "
    r"(charged|arrested|caught)|(the|that) (last )?appeal about[^.!?]*|"
    r"\w+ awareness (stand|talk|week|day|campaign|event)|(surrender|amnesty) bins?|"
    r"missing (in|at) [^.!?]* for (\d+|an?|ten|five|twenty) (mins?|minutes|hours?)|"
    r"missing for (\d+|an?|ten|five|twenty) (mins?|minutes|hours?)|"
    r"(heat|weather|sun|traffic|commute|job|work|queue|this|that) (is )?(going to|gonna|will) kill me|"
    r"strangling the (town|high street|city|economy|traffic|roads?)|clay (pigeon )?shooting|"
    r"(firearms?|shotgun|gun) (licen[cs]es?|certificates?)|"
    r"(trying to|going to|gonna|will) kill (me|us) with (this|the|that|all|his|her|their|my)\b|"
    r"(cat|dog|puppy|kitten|tortoise|parrot|rabbit|hamster|horse|pony)('s| has| is)? (been |gone |went )?missing|"
    r"(graffiti|mural|drawing|picture|painting|sticker|poster|tattoo|cartoon) of a (gun|knife|weapon|sword|bomb)|"
    r"(potholes?|roads?|junctions?|crossings?|roundabouts?|bends?|lights|speed bumps?|pavements?)\b[^.!?]*\b(will|going to|"
    r"gonna) kill (someone|somebody|a (child|kid|cyclist|pedestrian|biker|motorcyclist|driver))|"
    r"(seagulls?|gulls?|pigeons?|geese|goose|swans?|squirrels?|magpies?|crows?|sheep|cows?|goats?|ducks?)\b[^.!?]*\b(threatening|"
    r"attacking|mugging|stealing|robbing|chasing|mugged|robbed|terrori[sz]ing|taken)[^.!?]*|"
    r"\b(was|is|were) (absolutely |pure |proper |just )?killer\b|"
    r"\b(dance ?floor|crowd|gig|party|stage|band|dj)( was| is| were| went)? on fire\b|"
    r"\bset fire to the (christmas )?(pud|pudding|cake|brandy|candles?|toast|barbecue|bbq)\b|"
    r"\b(chef'?s|filleting) (knives|knife)\b|\b(touch|borrow|borrowed|sharpen\w*) (his|her|my|the|their) knives\b|"
    r"\bknife (skills|sharpen\w*|set|block)\b|\b(cookery|cooking|butchery) (class|course|lesson)\b|"
    r"\b(shot|shooting|shoot) (about |around |over |some |a few |loads of |\d+ )*(pics|photos|pictures|frames|footage|"
    r"videos?|portraits|weddings?)\b|"
    r"\b(swords?|guns?|knife|knives|axes?|weapons?)\b[^.!?]*\b(comic ?con|cosplay|fancy dress|larp\w*)\b|"
    r"\b(comic ?con|cosplay|fancy dress|larp\w*)\b[^.!?]*\b(swords?|guns?|knife|knives|axes?|weapons?)\b|"
    r"(someone|somebody)('?s| is)? (gonna|going to|will) (die|get killed|be killed|end up dead|get hurt)\b[^.!?]*"
    r"\b(one day|one of these days|sooner or later|speed cameras?|speed bumps?|traffic calming)\b|"
    r"\bend (it all|my life) if\b[^.!?]*\b(lose|loses|lost|win|wins|draw|draws|relegated|go down|knocked out)\b|"
    r"\b(stab|kill|hit|batter)\b[^.!?]*\bwith (a|the|her|his|my) (fork|spoon|wooden spoon|teaspoon|spatula|ladle|"
    r"cushion|pillow|slipper)\b|\b(gonna|going to|will|there'?ll|there will) be (a )?riots?\b|"
    r"\b(do|does|will|must) (i|we|someone|somebody|she|he|they) (need|have) to (get|be) (stabbed|shot|killed|attacked|"
    r"hurt|murdered|battered)( first)? (before|for|till|until)\b"
)
HARMLESS = IDIOMS

# Post-level suppressors. SUPPRESS: a post with one of these phrases is fiction, a joke, a figure of speech or a
# safe outcome, or is a retweet, so neither the rules nor the semantic layer read it for immediate risk (its
# other intents still count). STALE: a post that talks about the past, a court case or the news, or asks a
# hypothetical or legal question, is not read either, unless it also says something is happening NOW ("is it an
# offence if someone threatens to kill you? he just said it and he's following me"): an old complaint does not
# hide a new danger.
SUPPRESS = (
    r"death ?trap|\b(is|was) (murder|lethal|a nightmare|a bloodbath)\b|killing (it|me)|killed it|smashed it|"
    r"\b(i'?m|im|i am|we'?re|you'?re|youre|he'?s|hes|she'?s|shes|they'?re|theyre|is|was|were|been|team|lads|squad) on fire "
    r"(at|with|today|tonight|last)|on fire on the dance ?floor|🕺|💃|🐑|💀|\bnot causing (any )?(harm|trouble|bother)\b|"
    r"\b(lorry|operation) (stack|brock)\b|\bany idea when (it'?ll|itll|it will|they'?ll) (move|open|clear)\b|"
    r"\b(is |are )?(literally )?(murdering|killing) (me|us) with\b|"
    r"\bcontrolled (burn|burning|fire|explosions?)\b|\bburnt (toast|food|pizza|dinner|tea)\b|"
    r"\b(he|she|they|nan|gran|grandad|mum|dad|son|daughter|grandson|granddaughter)('s| has| have|'ve) been found\b|"
    r"\bfound by (the )?(police|btp|officers?|coastguard|search teams?|mountain rescue)\b|\bnot a scratch on\b|"
    r"\bstand down\b|\bcold but (fine|ok|okay|well)\b|\bnobody (worry|panic)\b|\bno need to (worry|panic)\b|"
    r"\bsparring\b|\bbig up\b|\b(good|gud) vibes\b|\bthanks for (coming|comin|attending)\b|\ball calmed down\b|"
    r"\b(all )?under control\b|\bfake (guns?|knives|weapons)\b|"
    r"\bprop (guns?|knives|weapons)\b|\bnot (real )?gun ?(shots|fire)\b|\b(thats|that'?s|its|it'?s) not (a )?(fire|gunshots?|shooting)\b|"
    r"\b(got|been|was|were) (pulled|dragged|fished|rescued) out\b|\b(is|are|'s|'re|shes|hes|now) (and )?safe\b|\bsafe now\b|"
    r"made me die|dying to|died laughing|to die for|an absolute weapon|"
    r"\b(found|home|back) (safe|safe and well)\b|\bbut we found (him|her|them)\b|"
    r"\b(he'?s|she'?s|they'?re|hes|shes|theyre|he has|she has|they have) (gone|left|run off) now\s*([.!,]|$|and\b|thank)|"
    r"\ball (calm|quiet)\b|"
    r"\b(is|are) (back )?(home|hame)(,| now| safe| thank|!|\.|$)|\bfalse alarm\b|\breunited\b|\bthoughts (are )?with\b|"
    r"\b(line of duty|crime novel|film crew|tv drama)\b|\bnot urgent\b|\bnot (an )?emergency\b|\blol\b|"
    r"\b(thankfully|luckily|fortunately|glad|relieved) (that )?(nobody|no one|noone|no-one) (was |got |were )?"
    r"(hurt|injured)\b|\b(nobody|no one|noone|no-one) (was |got )?(hurt|injured),? (thankfully|luckily)\b|"
    r"\b(but|seems|seem|looks|look|is|are|he'?s|she'?s|they'?re|it'?s) (completely |quite |pretty |totally )?harmless\b|"
    r"\bwell done\b|\bnot (threatening|dangerous|violent)\b|\bnot (happening )?(right )?now\b|"
    r"😂|🤣|😆|😅|🙄|🙃|🐱|😹|🐶|\bhaha|\blmao+\b|\bjk\b|\bwant (him|her|them) (charged|arrested|nicked)\b|"
    r"\b(jiu ?jitsu|bjj|judo|wrestling|mma|boxing|karate|taekwondo|kickboxing) (comp|competition|match|bout|"
    r"tournament|class|club|gym|session|grading)\b|\bpaintball\w*\b|\blaser ?tag\b|\bnerf (guns?|war)\b|"
    r"\bcrying laughing\b|\bin stitches\b|\blos(ing|t) at (fifa|fortnite|monopoly|cards|pool|darts|mario ?kart)\b|"
    r"\b(toy|foam|plastic|wooden|inflatable) (swords?|lightsabers?|axes?)\b|\bfake blood\b|\bzombie (walk|run|crawl|film)\b|"
    r"\bfair tbh\b|\b(the whole table|everyone) (clapped|cheered|laughed)\b|\bnobody rang you\b|"
    r"\b(he'?s|she'?s|they'?re|hes|shes|theyre) (there|here|out) every (day|morning|night|week|weekend|monday|tuesday|"
    r"wednesday|thursday|friday|saturday|sunday)\b|\blovely (man|fella|bloke|lad|lady|woman|chap|gent|old boy)\b|"
    r"^\s*rt @"  # a retweet passes on someone else's post (often the force's own appeal), it reports nothing
)
STALE = (
    r"\b(last|previous) (week|wk|month|year|summer|winter|spring|autumn|term|night|monday|tuesday|wednesday|thursday|"
    r"friday|saturday|sunday|weekend|"
    r"bonfire night|halloween|christmas|new year'?s?( eve)?|easter|bank holiday)\b|"
    r"\b(weeks|months|years) ago\b|\bback in (19|20)\d\d\b|\bin (19|20)\d\d\b|"
    r"\b(yesterday|overnight|the other (day|night|week))\b|\blast nights?\b|"
    r"\b(on|this past|over the) (monday|tuesday|wednesday|thursday|friday|saturday|sunday) (night|morning|afternoon|"
    r"evening)\b|\b(was|were|got|had|happened)\b[^.!?]*\b(on|over) (monday|tuesday|wednesday|thursday|friday|saturday|"
    r"sunday|the weekend)\b|"
    r"\bin (january|february|march|april|june|july|august|september|october|november|december)\b|"
    r"\b(from|in|since) the (19)?[5-9]0'?s\b|\bas a (teenager|kid|child|teen)\b|\bwhen (i|he|she|we|they) (was|were) "
    r"(younger|little|a |\d)|\ball sorted\b|"
    r"\b(that|this|it) was (on )?(monday|tuesday|wednesday|thursday|friday|saturday|sunday|the weekend)\b|\b(from|over) the weekend\b|"
    r"\b(rang|called|phoned|reported|emailed)\b[^.!?]*\bon (monday|tuesday|wednesday|thursday|friday|saturday|sunday)\b|"
    r"\b(shows|showed|caught|recorded|filmed|picked up)\b[^.!?]*\bon (monday|tuesday|wednesday|thursday|friday|saturday|"
    r"sunday)\b|\b(didn'?t|did not) let (him|her|them) in\b|\b(any|no) point (in )?report\w*\b|"
    r"\bis there (a|an) (scheme|register|card|form)\b|\bin case (he|she|they) (goes|go|gets|get|went) (missing|lost)\b|"
    r"\b(count|counts|counted) as (carrying|a weapon|an offensive weapon|an offence|a crime)\b|"
    r"\bif (someone|somebody|a person|anyone) (is|was) (carry\w*|holding)\b|\bfor next time\b|"
    r"\bjury\b|\bpleaded (not )?guilty\b|\bthe defence\b|\b(came|come) back (this morning|last night|earlier)\b|\ball good\b|\blong (over|gone)\b|"
    r"\b(going|doing the) rounds? (on )?(facebook|tiktok|social media|twitter|whatsapp|snapchat)\b|\bphotoshop\w*\b|"
    r"\bdo (i|we|you) need a licen[cs]e\b|\bhand(ed)? (it|them) in\b|\bwhere (do|can|should) (i|we) (take|leave|bring|hand in)\b|"
    r"\bwhat (do|should|can) (i|we) do with (a|an|the|this|my|his|her)\b|\b(crime|log|incident) (number|ref)|"
    r"\breference (number )?for\b|\b(give|make) a statement\b|\bhope (he|she|they) rots?\b|\bread about\b|"
    r"\bwhen will it end\b|\bnormal for (the|this) (season|time of year)\b|\bhome visit\b|\bunhurt\b|\blost my (phone|wallet|purse|bag|keys|card|bike|handbag|"
    r"ring|watch|dog|cat)\b|\b(nobody|no one|noone|no-one) (was |got |were )?(hurt|injured)\b|"
    r"\b(saw|seen|spotted)\b[^.!?]*\bon (monday|tuesday|wednesday|thursday|friday|saturday|sunday)\b|"
    r"\b(shout ?out|fair play|hats off|big thanks|huge thanks|thanks|thank you) to\b|\bhero(es)?\b|"
    r"\bback in (january|february|march|april|may|june|july|august|september|october|november|december)\b|"
    r"\bany (update|news)\b|\bwas (he|she|it|there|anyone) ever\b|\bever (found|caught|charged)\b|"
    r"\bworth reporting\b|\bhow (do|can|should) i report\b|\bhow (do|can|would|should) (i|we|you) (get|apply for|go about)\b|\bis (that|this|it) (legal|allowed)\b|"
    r"\b(all )?healed\b|\b(want|wanted) it on record\b|\bfor (the|your) records?\b|"
    # court and sentencing, news comment: the danger is over and someone is answering for it
    r"\bgets life\b|\b(got|given|serving) (a )?life (sentence|for)\b|"
    r"\b(got|gets|given|getting|serving|jailed for) \d+ (years|yrs|months)\b|\bsent down\b|\bjailed\b|"
    r"\b\d+ (years|yrs) for\b|\bshould (be|have got|get) life\b|\b(charged|arrested|in court) (with|over|after|for)\b|"
    r"^\s*(@\S+\s+)*replying to\b|\b(saw|seen|read|heard|watching) (the |about the |on the )?(news|papers?|bbc|itv)\b|"
    r"\b(news|reports?|article|headlines?) about\b|\b(anything|something) new on\b|"
    r"\bsentenced\b|\bconvicted\b|\bbehind bars\b|\bdeserves? (everything|all|what)\b|"
    r"\block (him|her|them|the lot of them) up\b|\bthrow away the key\b|\bjustice for\b|"
    r"\baccording to the (news|papers?|bbc|paper)\b|\bsaw (it )?on the news\b|"
    r"\b(saw|seen|shared|read|retweeted|reposted) your (post|appeal|tweet)\b|"
    r"\b(attack|stabbing|shooting|murder|assault|rape|arson|manslaughter) (trial|inquest|case)\b|"
    r"\b(the|a|his|her|their) (trial|inquest)\b|\b(bbc|itv|sky|the news|the paper|the echo|the post) "
    r"(says|said|reported|reports|is saying)\b|\bis (that|this) (true|right|correct)\b|"
    r"\b(debunked|it'?s a hoax|(is|was) (fake|a hoax))\b|\bdispos(e|al|ing) of\b|\bfor disposal\b|"
    # hypothetical and legal questions, surrendering a weapon
    r"\bwhat (do|should|would|can) (i|we|you|people) do if\b|\bwhat happens if\b|"
    r"\bis it (still )?(a crime|an offence|illegal|legal|arson|assault|theft|allowed)\b|"
    r"\bis (that|this) (harassment|stalking|a crime|an offence|illegal|assault)\b|\bis it (harassment|stalking)\b|"
    r"\blicen[cs]ed\b|\b(museum|exhibition|gallery)\b|\b(all over|trending on|(it|this|that)( was| is|'?s| been)* posted on|\b(videos?|clips?|story|stories|rumours?|pics?|photos?)\b[^.!?]*\bposted on) (tiktok|facebook|instagram|"
    r"youtube|twitter|social media|snapchat)\b|\bis it true\b|\bheard (that|there was|there's been|someone got)\b|"
    r"\bhope (he|she|they|everyone)('s| is| are|'re)? (ok|okay|alright|all right|recovering|doing (ok|well))\b|"
    r"\b(paramedics|officers|staff|crew) (were|was) (brilliant|amazing|great|fantastic|incredible)\b|"
    r"\bhand(ing)? in (a|an|my|the|his|her|old|an old)\b|\bgenuine question\b|\bam i allowed to\b|"
    r"\b(law|rules?) (on|about|for) (carrying|owning|having)\b|"
    r"\b(rang|called|phoned|reported|rung) (101|999|you|the police)\b[^.!?]*\b(\d+|two|three|four|a few|a couple of) "
    r"(hours?|hrs?|days?) ago\b|\b(still )?(no one|nobody|noone)('?s| has| have)? (rung|called|phoned|got) (me )?back\b|"
    r"\bin the (paper|papers|news)( today| again| this morning)?\b|\bread that\b|"
    r"\b(got|given|gets|getting) (a |an )?\d+ (year|yr|month)s? ban\b|\bfound (an? )?(old|rusty|antique)\b|"
    r"\b(nearest|where'?s the|where is the) (knife|weapons?) (bin|amnesty|surrender)\b|"
    r"\bleft (my|our|his|her|the) ([\w']+ ){0,2}(inhaler|bag|phone|wallet|purse|coat|jacket|keys|laptop|umbrella|"
    r"suitcase|case|glasses|headphones)\b[^.!?]*\b(on|at|in) (the )?(train|bus|tram|station|platform|taxi|cab|services)\b|"
    r"\bthe (court|judge|jury) (heard|was told|said)\b|\b(the )?(mail|sun|mirror|express|guardian|telegraph|press|bbc|"
    r"itv|sky) (say|says|said|saying|reported|calling)\b|\bif (i|we|you) (find|see|spot|come across)\b|"
    r"\bwhat'?s the (procedure|right number|process)\b|\b(police|officers|coppers|they) (came|arrived|turned up)( and| &)? "
    r"(took|arrested|nicked|lifted|got) (him|her|them)\b|\bwho (caught|arrested|nicked|detained|disarmed)\b|"
    r"\blife for\b|\b(he'?ll|she'?ll|they'?ll|hes|he will) be out in \d+\b|"
    r"\bnothing (threatening|physical|violent)\b|\b(he|she|they) (hasn'?t|has not|haven'?t|have not) (threatened|hurt|hit|"
    r"touched) (her|him|me|us|them|anyone)\b|\bharmless\b|\b(suspended|prison|jail|custodial) sentence\b|\bdriving ban\b|"
    r"\bcan (i|you|we|someone) (legally )?(carry|have|own|keep|buy|sell|take|use) (a|an|my|small|pocket|kitchen)\b|\bis it ok to (carry|have)\b"
)
NOW = (
    r"\b(right now|rn|as we speak|as i (type|write|speak)|happening now|going on now|at (this|the) (moment|minute)|"
    r"please (hurry|come now|come quick)|come quick|send (someone|help) now|in progress)\b|"
    r"\b(is|are|he's|she's|they're|'s|'re) (still )?(following|chasing|hitting|attacking) (me|us|her|him)\b|"
    r"\bjust (said|told|threatened|pulled|attacked|grabbed|hit|punched|stabbed|shot|messaged|texted|sent|turned up|"
    r"showed up|arrived|come back|came back)\b|"
    r"\bnow (they'?re|theyre|they|he'?s|hes|he|she'?s|shes|she|there'?s|theres|ones|one'?s|someone'?s)\b|"
    r"\b(still|currently) (outside|going on|inside|at it)\b|"
    r"\bsince (yesterday|last night|this morning)\b|"
    r"\b(hasn'?t|hasnt|has not|haven'?t|have not) (been seen|been heard from)\b|"
    r"\b(hasn'?t|hasnt|has not|haven'?t|have not|didn'?t|didnt|did not|never|not) (come|came|got|get|been|arrived|made it) "
    r"(home|back|hame)\b|"
    r"\b(isn'?t|isnt|is not|not|hasn'?t|hasnt|has not|stopped) (answering|picking up|replying|responding)\b|"
    r"\b(no one|nobody|noone|naebody)('s| has)? (heard from|seen)\b|\bstill not (home|back)\b|"
    r"\bjust (posted|put up|put out|said)\b|\b(can|could) see (them|him|her|it) (now|from)\b|"
    r"\bi can see (them|him|her)\b|\bcan see (\d+|two|three|four|some|loads) of them\b|"
    r"\b(he'?s|she'?s|hes|shes) (sat|sitting|stood|standing|lying|wandering) (in|at|on|by|outside|near)\b|"
    r"\bnow\s*(!+|😱|🚨)|\b(is|are|he'?s|she'?s|they'?re|hes|shes|theyre) (outside|here|back|at the door) now\b|"
    r"\btonight (he|she|they)'?s?\b|\b(it'?s|is|this is) (my|her|his|their) last (night|day)\b|\b(is|are|he'?s|she'?s|they'?re|hes|shes|theyre) back (outside|at (my|our|the)|by (my|our|the)|round (my|our|the))\b|"
    r"\b(bring|bringing|taking|carrying|bring in) (a|his|her|their|\w+'s) ([\w']+ )?(gun|knife|blade|machete|weapon|shotgun) "
    r"(to|into) (school|college)\b|\b(going to|gonna|will|'ll) (kill|stab|shoot|burn|torch|shoot up|petrol bomb)\b|"
    r"\b(is|he'?s|she'?s|they'?re|hes|shes|theyre) (outside|at) (my|our|the|her|his|their) (house|door|window|flat|home|gate|"
    r"bungalow|caravan)\b|(,|\.|\band|\bbut|\banyway)\s+now\b|"
    r"\bhow do (i|we) get out of (this|here|the (car|taxi|cab|van))\b|\b(asked|told|begged) (him|her) to slow down\b"
)

# Where a post turns from a frame to what it reports: "but" ("lovely charity run pic but there's a man tooled up
# ...", "sorry, not about him but my dad has gone") and a reply to the force's own post ("Replying to your
# recruitment ad... geezer in there with a blade"). A post whose whole text is suppressed is read again from
# after the last turn: a guard before it must not hide a present danger told after it.
PIVOT = (r"\bbut\b|\breplying to (ur|your|the|this|that) [^.!?:]*\b(ads?|adverts?|appeal|post|pic|photo|picture|video|"
         r"tweet)\b[^a-z0-9@#]*")
# Guards that speak for the whole post, whatever follows a turn: the author's own word that it is not urgent, and a
# retweet ("not urgent, but someone keeps leaving a baseball bat by the bins").
WHOLE_POST = r"\bnot urgent\b|\bnot (an )?emergency\b|^\s*rt @"

RISK_RULES: dict[str, str] = {
    "weapon": (
        r"\b(knife|knives|knifed|machetes?|blades?|zombie knife|gun|guns|gunshots?|gunman|shotgun|pistol|firearm|"
        r"crossbow|sword|axe|hammer|baseball bat|broken bottle|acid attack|shanks?|shanked|shotty|sawn[- ]?off|"
        r"flick ?knife|rambo knife|katana|knuckle ?dusters?|bladed|chinged|handgun|shooter)\b|"
        r"\b(stabbed|stabbing|shots fired|shooting|armed (man|men|robbery|robbers)|armed with)\b|"
        r"🔪|🔫|\btooled up\b|\b(with|got|has|holding|wielding|swinging) (a|an) (\w+ )?(bat|crowbar|iron bar|metal bar|golf club)\b|"
    r"\b(gunfire|gun ?shots?)\b|sounded like (a )?(gun|shots?|gunfire)|"
        r"\b(got|been|was|were|just|being) shot\b|\bshot (at|outside|in|on)\b|\bfired (a gun|shots|at)\b"
    ),
    "in_progress": (
        r"\b(right now|as we speak|happening now|in progress|ongoing assault|kicking off|going on now)\b|"
        r"\b(breaking|break|broke|get|getting) (in|into)\b[^.!?]*\b(now|house|window|door|cars?)\b|"
        r"\btrying (the|to open the) door|\b(someone|somebody|man|men|intruder|lads?|bloke)s? (is |are )?in (my|our|the) "
        r"(back |front )?(house|home|garden|flat|yard)|\bintruder\b|hiding in the|"
        r"\b(someone|somebody|man|men|intruders?|lads?|blokes?)( is| are)? (in|inside) (my|our) (kitchen|shop|barn|garage|"
        r"loft|attic|living room|bedroom|office|unit|warehouse|premises|farmyard|yard|house|home|flat|caravan)\b|"
        r"\b(someone|somebody|men|intruders|lads|blokes)( is| are)? in the (farmyard|barn|yard|sheds?)\b[^.!?]*\bnow\b|"
        r"\b(see|seeing|watching) (them|him|her|someone|somebody)\b[^.!?]*\b(live|on (the |my )?(cctv|camera|doorbell|"
        r"ring|app|phone))\b|"
        r"\b(quads?|quad bikes?|scramblers?|motorbikes?|off[- ]road bikes?|dirt bikes?|bikes|cars?|vans?)\b[^.!?]*\b(while|"
        r"where) (the )?(kids|children|under ?\d+s|little ones|families|school)\b[^.!?]*\b(is|are) (on|playing|out|there)\b|"
        r"\b(kids?|children|\d+ kids|two kids|little ones?|toddlers?|bab(y|ies)|bairns?|weans?) on the back\b[^.!?]*"
        r"\b((no|without|not wearing|none of them (have|wearing|in)) (any )?helmets?|overtak\w*|speeding|motorway|"
        r"dual carriageway)\b|\b(no|without) helmets?\b[^.!?]*\b(kids?|children|little ones?|toddlers?) on the back\b|"
        r"\btrying (the|my|our|her|his|their|every|all the) (\w+ )?(doors?|windows?|handles?)\b|"
        r"\b(proper|massive|big|huge|mass) (scrap|ruck|punch[- ]?up|brawl|fight)\b[^.!?]*\b(now|rn|going on|still)\b|"
        r"\b(someone|somebody|someones|someone'?s|one of them)( is)? (gonna|going to) (end up dead|die|get killed|be killed)\b|"
        r"\bbeing (attacked|assaulted|robbed|mugged|followed|chased|beaten|stabbed)\b|"
        r"\b(hitting|beating|strangling|smashing the house|attacking) (her|him|me|us|his|a|the)\b|"
        r"\b(is |are )?(being )?robbed now\b|\bmugging\b|\bdrag(ging)? a\b|\bpushed into a (car|van)\b|"
        r"\bwon'?t let (her|him|me) leave\b|\b(stealing|robbing|smashed)\b[^.!?]*\b(now|just)\b|"
        r"\b(riot|bricks being thrown)\b|\bexposing himself\b|\bdrunk driver\b|\bdriven (a car )?into (the )?crowd|"
        r"\bmen in balaclavas|\bballaclava|\bbalaclava|\bramming\b|\b(set fire|on fire|filling with smoke)\b|"
        r"\b(throwing|dropping|chucking|lobbing) (rocks|stones|bricks|things|stuff|objects|concrete)\b[^.!?]*\b(off|from|"
        r"onto|at) (the )?(bridge|footbridge|flyover|cars|traffic|motorway|carriageway)\b|"
        r"\b(have|has|'ve|are|is|just|they'?ve) (surrounded|cornered)\b|\bsurrounding (him|her|me|us)\b|"
        r"\bhit (someone|somebody|people|a (pedestrian|child|kid|cyclist|woman|man))\b|\bmounted the (pavement|kerb)\b|"
        r"\b(tried|trying|tries|try) to (snatch|grab|abduct|lure|drag|kidnap)\b[^.!?]*\b(kid|child|baby|toddler|girl|boy|"
        r"daughter|son)\b|\b(kicking|punching|stamping on) (a|the|him|her|me|my)\b|"
        r"\bjust (smashed|stole|robbed|grabbed|attacked|punched)\b|"
        r"\bplease (come|hurry)|\bcome quick|\bhelp!|\bhelp there\b|"
        r"\b(right|just) (now|this (minute|second))\b|\bat (this|the) (moment|minute)\b|\bas i (type|write|speak)\b|"
        r"\b(is|are|'re|'s) (trying|breaking|stealing|smashing|fighting|attacking|kicking|throwing|chasing|robbing|"
        r"siphoning|dragging|hitting|punching|threatening|stabbing|beating|mugging|looting)\b|"
        r"\b(crashed|crashing|driven|drove) into (the |a |my |our )?(house|shop|building|crowd|people)|"
        r"\bfire (starting|spreading)|\bflames\b|\b(smoke|fire) coming|"
        r"\b(chasing|brawl|mass fight)\b|\brunning (out|off|away) (of|from|with)\b|"
        r"\bfight(ing)? with (bottles|knives|weapons|bats|glasses)\b|"
        r"\b(assaulting|attacking|punching|beating|hitting|kicking|robbing|mugging|stabbing) (a|an|the|someone|"
        r"people|him|her|them|my|our)\b|\bscreaming for help\b|\bcalling for help\b|"
        r"\b(mob|gang|crowd|load|group|bunch) of\b[^.!?]*\b(going at it|scrapping|brawling|fighting)\b|"
        r"\b(stamp|stamped|stamping|stomp|stomped|stomping) on\b|"
        r"\b(banging|smashing|slamming|bashing|bouncing|knocking) (his|her|their|my|the other( one)?'s|someone'?s) "
        r"head (on|off|into|against)\b|\b(has|got|grabbed|grabbing|holding|pinning) ([\w']+ ){1,4}by the (throat|neck|collar|hair)\b|"
        r"\b(pinned|holding|got|has|pushed|shoved|pinning|slammed) ([\w']+ ){1,4}(up )?against (the|a) (wall|door|car|"
        r"railings|fence|shelves|counter|bar|window)\b|"
        r"\b(battered|beaten|jumped|attacked|kicked in|glassed|stabbed|assaulted|knocked out)\b[^.!?]*\b(can'?t (stand|get "
        r"up|walk|move|see)|holding (his|her|their) (side|head|stomach|face|ribs))\b|"
        r"\b(stumbled|staggered|came|come|walked|crawled|limped) (in|into|out|up)\b[^.!?]*\bholding (his|her|their) "
        r"(side|stomach|head|neck|face|chest|ribs)\b|\b(a lot of|covered in|loads of|so much|pool of|soaked in) "
        r"(red|blood)\b|"
        r"\b(burning|lit|flaming|petrol|lighter fluid)\b[^.!?]*\b(through|thru|in|into) (the|a|my|our|her|his|their) "
        r"letter ?box\b|"
        r"\b(driver|he|she|cabbie|taxi|bus|coach|lorry)\b[^.!?]*\b(keeps|keep|is|'s|kept) (nodding off|falling asleep|dozing "
        r"off|closing (his|her) eyes)\b|\basleep at the wheel\b|"
        r"\b(doing|going|hitting|at) (over |about |nearly |at least )?(9\d|1\d\d)( ?mph)?\b[^.!?]*\b(weaving|swerving|"
        r"laughs|won'?t slow|refus\w* to slow|(asked|told|begged) (him|her) to slow)\b|"
        r"\bhow do (i|we) get out of (this|here|the (car|taxi|cab|van))\b|"
        r"\b(men|man|blokes?|lads|adults|fellas?|older (men|lads))\b[^.!?]*\b(giving|plying|handing|offering|buying) "
        r"(\w+ )?(vodka|alcohol|drink|booze|drugs|weed|pills|cans)\b[^.!?]*\b(girls?|boys?|kids|children|(look|looks|"
        r"looking|aged|about) (about |like )?1[0-5])\b|"
        r"\b(trying|tried) to get (them|her|him|the (girls?|kids|boys?)) (in|into) (a|the|his|their) (car|van|taxi)\b|"
    r"\b(got|has|have|holding) (her|him|me|us|them|my \w+) pinned\b|\bpinned (her|him|me|us) (down|against|to)\b|"
    r"\bhiding in (my|the|our|her|his) (room|bedroom|wardrobe|bathroom|loo|toilet|cupboard|shed|attic)\b|"
    r"\bclimbing (in|into|through|thru) (a|the|my|our|her|his|their) (window|door|back door)\b|"
    r"\b(someone|somebody|someones|someone'?s|he'?s|they'?re|theyre) (is |are )?(rifling|going) (thru|through) (the|their|"
    r"our|my|her|his) (drawers|cupboards|house|rooms?)\b|"
    r"\b(trying to|tried to) (get|persuade|entice|talk|lure) (the |some |a |two )?(little )?(kids|children|girls?|boys?|child)\b"
    r"[^.!?]*\b(go|come|get) (with|in)\b|"
        r"\bjust (torched|set alight|petrol[- ]?bombed|set light to)\b|"
        r"\b(dog|dogs|pit ?bull|xl bully|staffie|rottweiler|alsatian)\b[^.!?]*\b(mauling|savaging|biting|got hold of|"
        r"latched on|locked on|hanging off|won'?t let go|won'?t get off|dragging)\b|"
        r"\b(being|getting) (jumped|glassed|shanked|knifed|battered|kicked in)\b|"
        r"\bram[- ]?raid(ing)?\b[^.!?]*\b(going on|now|happening|in progress)\b|\b(are|is|'re) ram[- ]?raiding\b|"
        r"\bnearly (hit|ran over|run over|knocked (over|down))\b[^.!?]*\b(still|now)\b|"
        r"\b(doing|doin) (donuts|doughnuts|wheelies|burnouts|handbrake turns)\b[^.!?]*\b(kids|children|weans|"
        r"people|pavement|pram|school|pick ?up)\b|"
        r"\b(mount(ing|ed|s)?|up on) the (pavement|kerb)\b[^.!?]*\b(full (throttle|speed|pelt)|through the (bus )?"
        r"(queue|crowd)|wheelies?|still (going|doing|at it))\b|"
        r"\b(wheelies?|tearing|racing|speeding|bombing|flying)\b[^.!?]*\b(through|round|across|in|into) the (playground|"
        r"play ?park|play area|bus queue|crowd|school ?yard)\b|"
        r"\b(clipped|hit|knocked (over|down)|ran over) a (wee |little |young |small )?(boy|girl|kid|child|lad|wean|bairn)\b|"
        r"\b(paralytic|hammered|steaming|blind drunk|legless|wasted|off (his|her) face|drunk|pissed)\b[^.!?]*"
        r"\b(driving off|drove off|drives off|got (back )?in(to)? (his|her|the|a) (car|van|motor)|behind the wheel|about to "
        r"drive|(gonna|going to) drive)\b|"
        r"\b(going|driving|heading|coming) (the )?wrong way (up|down|on|along)\b[^.!?]*\b(m\d+|a\d+|motorway|"
        r"dual carriageway|expressway|junction|slip ?road)\b|"
        r"\b(glassed|slashed|stabbed|bottled|knifed)\b[^.!?]*\b(blood everywhere|still (in|here|there|inside)|whoever did it)\b"
    ),
    "threat_to_life": (
        r"\b(going to|gonna|will|(he|she|they|i)'?ll|threaten(ed|ing)? to) (kill|stab|shoot|burn)\b|"
        r"\bkill (me|us|her|him|their)\b|"
        r"\b(will|'ll|gonna|going to|is|are|'re|'s|they|he|she) (come|coming)( back| round| over| here| tonight| later| "
        r"now)* (and|to|for) (kill|stab|shoot|burn|torch|hurt)\b|"
        r"\bwould '?(burn|kill|stab|shoot|torch) (the lot of (you|us|them)|all of (you|us|them)|every(one|body))\b|"
        r"\b(burn|torch) (my|our|the|his|her) (shop|house|home|flat|car|place)\b[^.!?]*\bwith (me|us|them|him|her) "
        r"(inside|in it)\b|"
        r"\bbarely (conscious|breathing|alive)\b|\bhead (split|smashed|caved) (open|in)\b|\b(semi|half)[- ]?conscious\b|"
        r"(\b(fire|flames|blaze|alight|ablaze|burning)\b|🔥)[^.!?]*\b(still (in|inside)|(people|someone|somebody|lads|kids|"
        r"children|family|workers) (still )?(trapped|stuck|inside))\b|"
        r"\b(not|isn'?t|stopped) breathing\b|\bcan'?t breathe\b|\bunconscious\b|\bcollapsed\b|\bturning blue\b|"
        r"\bbleeding\b|\bhit by a (car|van|bus|lorry)\b|\blying in the road\b|\btrapped\b|\bdrowning\b|"
        r"\bfallen in (the )?(river|canal|sea|water)\b|\bon the roof\b|\bmight fall\b|\bhostage\b|"
        r"\bhands round (her|his|my) neck\b|\bstrangl|\bbomb\b|\bshoot up\b|\boverdose\b|"
        r"\bto death\b|\bthreatening (her|his|my) life\b|\bneck\b[^.!?]*\bplease|"
        r"\b(will|'ll|going to|gonna|threaten\w* to) (hurt|harm|kill|stab|shoot|burn) (me|us|her|him|them|you)\b|"
        r"\b(car|van|vehicle|lorry|truck|bus|minibus|tractor)('s| has| is)?\b[^.!?]*\b(gone|went|rolled|crashed|slid|skidded|"
        r"driven|plunged|veered|come|came) (off (the )?(road|slipway|bank|quay|pier) )?into (the |a )?(loch|river|lake|canal|"
        r"sea|reservoir|water|harbour|dock|quarry|pond|estuary)\b|"
        r"\bcan hear (him|her|them|someone|somebody|a (child|kid|baby|man|woman|dog))\b[^.!?]*\b(can'?t|cannot|can not) "
        r"(reach|get to|get down to|see|find)\b|"
        r"\b(fallen|fell|gone|went|jumped) (into|in|onto|off) (the )?(river|canal|sea|water|tracks|line|cliff|tyne|"
        r"thames|mersey|harbour|dock)|\bin difficulty\b|\bpulled out to sea\b|\bswept (away|out)\b|"
        r"\bunder (a|the|his|her|their|my) (tractor|car|lorry|bus|van|train|quad|quad bike|motorbike|trailer|horse)\b|"
        r"\b(crushed|pinned|stuck) (under|beneath)\b|\bstill in (it|the car|the house|the water)\b|"
        r"\b(isn'?t|not) (moving|responding|breathing)\b|\bunresponsive\b|\blocked (me|her|him|us) in\b|"
        r"\bpassed out\b|\b(not|isn'?t|won'?t|can'?t) (coming round|waking up|come round|wake (him|her) up)\b|"
        r"\b(having|in the middle of) a (fit|seizure)\b|\bcrush (at|in|outside|by|near)\b|"
        r"\b(people|kids|children|someone|fans) (are |is )?(being |getting )?crushed\b|\blips (going|turning|are) (blue|grey)\b|\b(blue|grey) lips\b|\bpeople trapped\b|"
        r"\b(he|she|they)'?ll do (me|us|her|him)\b|"
        r"\b(shed|spilled|lost|dropped) (its|their|a|his|her) load\b|"
        r"\b(debris|logs|rubble|bricks|glass|rocks) (all )?(across|over|on|in) (the |both |all )?(road|motorway|lanes|"
        r"carriageway|dual carriageway)\b|\bcars? (are )?swerving (round|around|to avoid)\b|"
        r"(\b(fire|flames|smoke|alight|ablaze|burning)\b|🔥)[^.!?]*\b(heading|spreading|moving|spread|going) (towards|to|down|for|into|up)\b|"
        r"\b(child|kid|toddler|wean|bairn|baby|little one|little boy|little girl)\b[^.!?]*\bon (its|their|his|her) "
        r"(own|ain)\b[^.!?]*\b(road|canal|river|water|edge|lake|pond|railway|balcony|window)\b|"
        r"\b(child|kid|toddler|wean|bairn|baby|little one|little boy|little girl|boy|girl)\b[^.!?]*\bno (adults?|grown[- ]?ups?|"
        r"parents?|one with (him|her|them))( around| anywhere| about| in sight| with (him|her|them))\b|"
        r"\b(child|kid|toddler|baby|little one|little boy|little girl|wean|bairn)\b[^.!?]*\b(through|out of|hanging out of|"
        r"out the) (the |a )?(sunroof|car window|window of a moving)|"
        r"\b(toddler|baby|little one|little boy|little girl|wean|bairn|child|kid|pram|buggy|(boy|girl) of (about )?\d|"
        r"\d ?(year old|yr old|yo))\b[^.!?]*\b(hard shoulder|motorway|dual carriageway|verge|railway line|train tracks|"
        r"window ledge|central reservation|slip road)\b|"
        r"\b(tent|caravan|car|van|house|flat|boat)\b[^.!?]*\bon fire\b[^.!?]*\b(asleep|inside|still in)\b|"
    r"\bweaving (across|all over|between)\b[^.!?]*\b(asleep|hammered|drunk|pissed|wasted|off (his|her) face)\b|"
    r"\b(see you (soon|tonight)|coming (round|over|for (you|me|us|her|him))( now| tonight| with)|i know where you live|"
        r"watching (you|your house)|you'?re dead)\b|\b(restraining|non[- ]?molestation) order\b[^.!?]*\b(outside|here|"
        r"turned up|breach\w*|at (my|the) (door|house|window))\b|"
        r"\b(gorse|heath|heathland|moor|moorland|woods|woodland|forest|bracken|crops|cornfield|hedgerow)\b[^.!?]*"
        r"\b(on fire|alight|ablaze|burning|racing|spreading)\b|"
        r"\b(messaged|texted|text|message|voice ?note|rang me|called me)\b[^.!?]*\b(he'?s|hes|he is|they'?re|theyre) "
        r"back\b|\b(messaged|texted)\b[^.!?]*\bcan you come\b|"
        r"\bdon'?t know where (he'?s|she'?s|they'?re|hes|shes|theyre) taking (them|her|him|the (kids|children|baby))\b|"
        r"\b(caught|torched|lit|set fire to) (the )?(gorse|heath|heathland|moor|moorland|woods|woodland|forest|bracken)\b|"
        r"\b(car|van|vehicle|motor)\b[^.!?]*\bon (its|it'?s|their) (roof|side)\b|\b(stuck|trapped|hanging) upside down\b|"
        r"\b(face|head|neck)\b( is| all)*( all)? (cut up|slashed|split open|pouring)\b|"
        r"\b(attacked|hurt|injured|cut|bleeding|beaten|hit|glassed|stabbed)\b[^.!?]*\b(drifting|slipping) (off|in and out|away)\b"
    ),
    "missing_vulnerable": (
        r"\b(gone|went|is|has gone|been) missing\b|\bmissing (from|since|child|boy|girl|teen|adult|person)\b|"
        r"\bmissing and\b|\bis missing\b|\bvulnerable adult\b|\bwandered off\b|"
        r"\b(hasn'?t|has not|didn'?t|did not|not|no|hasnae|didnae) (come|came|got|get) (home|hame|off)\b|"
        r"\b(nobody|naebody|no one|noone)('s| has) seen (him|her|them)\b|"
        r"\bhasn'?t been seen\b|\bcan'?t find my (little |)(boy|girl|son|daughter|child|mum|dad|nan|grandad)\b|"
        r"\blost a \d+ ?(year|yr)|\blost (her|him|them|my \w+) (\d+|ten|five|twenty|thirty) (mins?|minutes) ago\b|"
    r"\b(mum|dad|parents?)('s| is| are)? (frantic|panicking|distraught)\b|"
    r"\b(confused|disorientated|disoriented)\b[^.!?]*\bno (coat|shoes)\b|"
    r"\b(my|our) (mum|dad|nan|gran|grandad|grandma|grandpa|husband|wife)('s| has| is)? (gone|disappeared|wandered off|"
    r"walked off)\b[^.!?]*\b(no coat|last seen|dementia|confused)\b|\bdon'?t know where (he|she) is\b|"
        r"\b(separated|lost) (from|at|in)\b[^.!?]*\b(year old|yo|son|daughter|child|kid|boy|girl|toddler|baby)|"
        r"\b(year old|yo|son|daughter|child|kid|boy|girl|toddler|baby|nan|gran|grandma|grandad|granddad|mum|dad)"
        r"\b[^.!?]*\b(separated|ran off|run off|wandered|don'?t know where)\b|"
        r"\bnot (come|came|gone|got) (back|home)\b|"
        r"\b(hasn'?t|has not|not) been found\b|"
        r"\b(dementia|alzheimer'?s|autistic|autism|learning (difficulties|disabilities)|vulnerable)\b[^.!?]*"
        r"\b(left|gone|went|ran|wandered|walked (off|out)|lost|missing|can'?t find|not (come|been))\b|"
        r"\b(old|elderly|older) (lady|man|woman|gent|fella|bloke|chap|couple|person)\b[^.!?]*\bin (his|her|their) "
        r"(pyjamas|pjs|nightie|nightdress|nightgown|night ?clothes|dressing gown)\b|"
        r"\b(boy|girl|child|kid|toddler|little one|wean|bairn)\b ((about|aged|of|around|maybe) )*([1-8]|one|two|three|four|"
        r"five|six|seven|eight)\b[^.!?]*\bon (his|her|their|its) (own|ain)\b|"
        r"\b(mum|dad|mother|father|parents?|mam|maw)\b[^.!?]*\b(shouting|screaming|calling|yelling) (his|her|their) ([\w]+'s )?name\b|"
        r"\b(\d+|two|three|four|five|several) (hours?|hrs)\b[^\n]*\b(dementia|alzheimer'?s)\b|"
        r"\b(dementia|alzheimer'?s)\b[^\n]*\b(never (been )?(out )?this long|(\d+|two|three|four|five|several) (hours?|hrs) ago)\b|"
        r"\b(son|daughter|boy|girl|kid|child|toddler|year old|yr old|yo)\b[^\n]*\b(now (he'?s|she'?s|hes|shes) gone|"
        r"(i'?ve|we'?ve|ive) looked everywhere|can'?t find (him|her) anywhere)\b"
    ),
    "self_harm": (
        r"\b(kill|killing) (myself|herself|himself|themselves)\b|\bend (it all|my life|his life|her life)\b|"
        r"\btake (his|her|my|their) own life\b|\bsuicid(e|al)\b|\bwant(s)? to die\b|\bself[- ]?harm|"
        r"\bcut (himself|herself|myself)\b|\b(going to|gonna|wants to|saying he'?s going to|looks like she wants to) "
        r"jump\b|\bedge of the (bridge|roof|cliff)\b|\bon the (railway|train) (line|tracks)\b|"
        r"\b(edge of the platform|platform edge|over the yellow line)\b|\b(it'?s|is|this is) (my|her|his|their) last (night|day)\b|\bgoodbye message\b|\blast tweet\b|\bcan'?t do this any ?more\b|\bfinish it\b|"
        r"\btaken an overdose\b|\bgot pills\b|\bnobody would miss me\b|"
        r"\bthis is (my )?goodbye\b|\bgoodbye (everyone|all|world)\b|\bsorry (to|for) (everyone|everything)\b[^?]*"
        r"\b(goodbye|don'?t (bother )?(come )?look|won'?t be|tonight)|\bdon'?t (bother |come )?(looking|look|come looking) for me\b|"
        r"\b(taken|took|swallowed|had|necked) (\d+|a (whole )?(box|packet|pack|bottle|strip|tub)( of)?|a handful of|"
        r"handfuls of|all (of )?(my|the|her|his)) ?(her |his |my |the )?(paracetamol|pills|tablets|meds|sleeping pills|"
        r"co-?codamol|codeine|ibuprofen|insulin|aspirin|antidepressants)\b|"
        r"\b(taken|took|swallowed) (all )?(of )?(her|his|my|their|some|a lot of|loads of)? ?(tablets|pills|meds)\b|"
        r"\bhang (myself|himself|herself|themselves)\b|\bwrong side of the (railings?|barrier|fence)\b|"
        r"\b(sorry|goodbye)\b[^.!?]*\bnot (answering|picking up|replying)\b|\bend(ing)? (it|things)\b|"
        r"\bthreaten\w* to jump\b|\bedge of (the )?(cliff|bridge|roof|beachy head|platform|car park)|"
        r"\bdrive (his|her|my|their) car into\b|"
        r"\bdon'?t want to (be here|live|go on|be alive) any ?more\b|\bi can'?t go on\b|"
        r"\b(no ?one|nobody|noone)('?ll| will| would|'d) (miss|care about) me\b|\b(noose|ligature)\b|"
        r"\b(top|roof|edge) (floor |level )?of (the |a )?(multi ?-?storey|car park|flats|tower block)\b|"
        r"\b(locked|shut|barricaded) (himself|herself|themselves|myself) in\b|"
        r"\b(legs|feet) (dangling |hanging )?over the (edge|side)\b|"
        r"\b(sat|sitting|standing|stood|climbing|climbed|hanging|dangling) (on|over|off) the (edge|railings?|barrier|"
        r"parapet|ledge|side) of (the |a )?(bridge|flyover|roof|car park|cliff|building|viaduct)\b|"
        r"\b(car|engine) (is |still )?running\b[^.!?]*\bgarage\b|\bgarage\b[^.!?]*\b(car|engine) (is |still )?running\b|"
        r"\b(go|going|gonna|wants? to|want to) (to )?sleep (forever|and (not|never) wake up)\b|"
        r"\bno point (any ?more|anymore|in (living|going on|being here|carrying on)|of (living|going on))\b|"
        r"\b(taken|took|swallowed) (everything|all|the lot) (in|from|out of) the (medicine |bathroom |kitchen )?"
        r"(cupboard|cabinet|drawer)\b|"
        r"\bhad enough of (it all|all of it|everything|life)\b[^\n]*\bno point\b"
    ),
}

INTENT_RULES: dict[str, str] = {
    "report": (
        r"\b(report(ing|ed)?|stole|stolen|theft|burglar\w*|broken into|broke into|vandal\w*|graffiti|fly[- ]?tipping|"
        r"dealing|drugs?|speeding|abandoned|suspicious|scam\w*|fraud|assault\w*|hate (crime|incident)|"
        r"racist|harass\w*|anti[- ]?social|noisy|noise|off[- ]?road bikes|crime number|dodgy|cold callers?)\b"
    ),
    "request_help": (
        r"\b(please (help|send|check|come|can)|can (someone|you|an officer) (come|check|help|send|do)|need help|"
        r"help me|help us|what (do|should) i do|who do i (report|contact|call)|how do i|can you do anything|"
        r"check on)\b"
    ),
    "complaint": (
        r"\b(useless|disgrace\w*|complain\w*|complaint|not acceptable|unacceptable|rude|nobody has (called|"
        r"come)|no one (called|came)|never (called|came)|kept me on hold|took \d+ hours|why did it take|"
        r"waste of|pathetic|shambles|incompetent|joke)\b"
    ),
    "praise": (
        r"\b(thank(s| you)|well done|brilliant|great (work|job|result)|fab\w*|amazing|impressive|"
        r"love (the|your)|kind|best|fantastic|excellent|good (work|job|news)|killing it|smashed it)\b"
    ),
    "abuse": (
        r"\b(acab|pigs|scum|bastards?|f+u+c+k+\w*|c+u+n+t+s?|clowns|1312|filth|wankers?|twats?)\b"
    ),
}

QUESTION = (r"\?|^\s*(?:[@.]\S+\s+)*(?:who|what|when|where|why|how|which|is|are|can|could|would|will|should|do|"
            r"does|did|has|have|may|any|anyone)\b")


def normalise_sql(column: str) -> str:
    """SQL for the text the rules read: lower case, curly apostrophes made straight, and "NOW" in capitals
    (a shout that it is happening now: "🔪🔪 outside Tesco NOW") read as "right now"."""
    return f"replace(lower(regexp_replace(coalesce({column}, ''), '\\bNOW\\b', 'right now', 'g')), '\u2019', '''')"


def _normalise(text: str) -> str:
    return _SHOUTED_NOW.sub("right now", text or "").lower().replace("\u2019", "'")


_SHOUTED_NOW = re.compile(r"\bNOW\b")
_HARMLESS = re.compile(HARMLESS)
_IDIOMS = re.compile(IDIOMS)
_SUPPRESS = re.compile(SUPPRESS)
_STALE = re.compile(STALE)
_NOW = re.compile(NOW)
_RISK = {name: re.compile(pattern) for name, pattern in RISK_RULES.items()}
_INTENT = {name: re.compile(pattern) for name, pattern in INTENT_RULES.items()}
_QUESTION = re.compile(QUESTION)
_WHOLE_POST = re.compile(WHOLE_POST)
_AFTER_PIVOT = re.compile(f"^.*(?:{PIVOT})")


@dataclass(frozen=True)
class RuleResult:
    """What the rules found in one post: the intents, and the immediate-risk categories with the words
    that matched (shown, so a reader sees why a post was put first)."""

    intents: tuple[str, ...]
    risks: dict[str, str]

    @property
    def urgent(self) -> bool:
        return bool(self.risks)


def risk_text(text: str) -> str:
    """The text the risk rules search: normalised, harmless phrases blanked out; empty for a post that
    SUPPRESS says is about the past, fiction or a safe outcome."""
    read = read_part(_normalise(text))
    return "" if read is None else _HARMLESS.sub(" ", read)


def _guarded(plain: str) -> bool:
    return bool(_SUPPRESS.search(plain) or (_STALE.search(plain) and not _NOW.search(plain)))


def read_part(plain: str) -> str | None:
    """The part of the normalised post the risk layers read: all of it, or where a guard holds for the whole
    post, what follows its last turn (PIVOT) if no guard holds there; None where neither is read."""
    if not _guarded(plain):
        return plain
    if _WHOLE_POST.search(plain):
        return None
    after = _AFTER_PIVOT.sub("", plain, count=1)
    return after if after != plain and not _guarded(after) else None


def classify_text(text: str) -> RuleResult:
    """The rule intents of one post (multi-label; 'other' when nothing matches) and its risk categories."""
    cleaned = risk_text(text)
    risks = {}
    for name, pattern in _RISK.items():
        match = pattern.search(cleaned)
        if match:
            risks[name] = match.group(0).strip()
    plain = _normalise(text)
    intents = ["urgent"] if risks else []
    for name, pattern in _INTENT.items():
        if pattern.search(plain):
            intents.append(name)
    if _QUESTION.search(plain):
        intents.insert(1 if risks else 0, "question")
    return RuleResult(tuple(intents) or ("other",), risks)


def classify_texts(texts: Iterable[str]) -> list[RuleResult]:
    return [classify_text(t) for t in texts]


RISK_ANY = "|".join(f"(?:{p})" for p in RISK_RULES.values())


def cleaned_sql(text: str) -> str:
    """SQL: what the risk rules search, from the normalised text (`normalise_sql`): harmless phrases blanked,
    empty where `read_part` reads nothing (as `risk_text`)."""
    after = f"regexp_replace({text}, {_lit('^.*(?:' + PIVOT + ')')}, '')"
    return (f"CASE WHEN NOT {_guarded_sql(text)} THEN regexp_replace({text}, {_lit(HARMLESS)}, ' ', 'g') "
            f"WHEN {after} <> {text} AND NOT regexp_matches({text}, {_lit(WHOLE_POST)}) AND NOT {_guarded_sql(after)} "
            f"THEN regexp_replace({after}, {_lit(HARMLESS)}, ' ', 'g') ELSE '' END")


def _guarded_sql(text: str) -> str:
    return (f"(regexp_matches({text}, {_lit(SUPPRESS)}) OR (regexp_matches({text}, {_lit(STALE)}) "
            f"AND NOT regexp_matches({text}, {_lit(NOW)})))")


def urgent_sql(column: str, *, cleaned: str | None = None) -> str:
    """SQL: TRUE where the risk rules fire on `column` (the same rules as `classify_text`), in one pass;
    `cleaned` names a column already holding `cleaned_sql` of it."""
    return f"regexp_matches({cleaned or cleaned_sql(normalise_sql(column))}, {_lit(RISK_ANY)})"


def intents_sql(column: str, *, text: str | None = None, urgent: str | None = None) -> str:
    """SQL: the rule intents of `column` as a VARCHAR[] (the same rules as `classify_text`); `text` and
    `urgent` name columns already holding `normalise_sql(column)` and `urgent_sql(column)`."""
    text = text or normalise_sql(column)
    parts = [f"CASE WHEN {urgent or urgent_sql(column)} THEN 'urgent' END",
             f"CASE WHEN regexp_matches({text}, {_lit(QUESTION)}) THEN 'question' END"]
    parts += [f"CASE WHEN regexp_matches({text}, {_lit(p)}) THEN '{name}' END" for name, p in INTENT_RULES.items()]
    listed = f"list_filter([{', '.join(parts)}], lambda x: x IS NOT NULL)"
    return f"(CASE WHEN len({listed}) = 0 THEN ['other'] ELSE {listed} END)"


def _lit(pattern: str) -> str:
    return "'" + pattern.replace("'", "''") + "'"


def evaluate_urgent(labelled: Iterable[tuple[str, bool, str]]) -> dict[str, object]:
    """Precision and recall of the risk rules on (text, urgent, category) rows, overall and per category
    (recall only: a category is a property of the true positives), with the misses and false alarms."""
    rows = list(labelled)
    return score_flags(rows, [classify_text(text).urgent for text, _, _ in rows])


def score_flags(labelled: Sequence[tuple[str, bool, str]], flags: Sequence[bool]) -> dict[str, object]:
    """Precision, recall and recall per category of `flags` (one per row, whether a detector fired)
    against (text, urgent, category) rows, with the misses and false alarms: shared so every
    detector (rules, semantic, both) is scored the same way."""
    tp = fp = fn = 0
    per: dict[str, list[int]] = {}
    misses, alarms = [], []
    for (text, urgent, category), found in zip(labelled, flags, strict=True):
        if urgent:
            hits = per.setdefault(category or "uncategorised", [0, 0])
            hits[0] += found
            hits[1] += 1
        if found and urgent:
            tp += 1
        elif found:
            fp += 1
            alarms.append(text)
        elif urgent:
            fn += 1
            misses.append(text)
    return {"posts": len(labelled), "tp": tp, "fp": fp, "fn": fn,
            "precision": tp / (tp + fp) if tp + fp else None, "recall": tp / (tp + fn) if tp + fn else None,
            "recall_by_category": {k: v[0] / v[1] for k, v in sorted(per.items())},
            "misses": misses, "false_alarms": alarms}
