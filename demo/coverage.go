package demo

import (
	"time"

	"github.com/liveblog/liveblog"
)

// The demo desk. Bylines carry a role line, as they do on a live page.
var (
	weatherDesk   = liveblog.Contributor{Name: "Morwenna Hale", Role: "Weather correspondent"}
	transportDesk = liveblog.Contributor{Name: "Tobias Adeyemi", Role: "Transport correspondent"}
	pageEditor    = liveblog.Contributor{Name: "Priya Castellan", Role: "Live page editor"}
	townReporter  = liveblog.Contributor{Name: "Declan Furrow", Role: "Reporting from Westermouth"}
	coastReporter = liveblog.Contributor{Name: "Rhys Tamblyn", Role: "Reporting from Carrow Bay"}
	analyst       = liveblog.Contributor{Name: "Ines Valder", Role: "Environment analyst"}
	sportDesk     = liveblog.Contributor{Name: "Hana Okoro-Reid", Role: "Sports reporter"}
)

// Invented sites the coverage links to; see the package comment.
const (
	warningsURL = "https://weather.example.org/warnings/storm-elowen"
	roadsURL    = "https://westshire.example.org/roads-and-travel"
	powerURL    = "https://tidewater-power.example.net/power-cuts"
	schoolsURL  = "https://westshire.example.org/schools/closures"
	videoURL    = "https://video.example.org/watch/"
	socialURL   = "https://social.example.net/"
)

// alt describes each illustration for readers who cannot see it.
var alt = map[string]string{
	sceneHarbour:  "Grey sea spray bursts over a stone harbour wall beside a red and white lighthouse under dark storm clouds",
	sceneTree:     "A large tree lies across a two-lane road in driving rain, with a traffic cone placed in front of it",
	sceneFlood:    "Brown floodwater reaches the front doors of a terrace of painted houses, with sandbags stacked by one door",
	scenePylons:   "Electricity pylons on a hillside under a purple sky, one cable hanging loose, with an engineers' van parked below",
	sceneLifeboat: "An orange and blue lifeboat pushes through a heavy swell in the rain",
	sceneFinish:   "Three runners in bright vests approach a red finish gantry on a sunny seafront road lined with barriers",
}

// stormCoverage is the live demo event: yesterday evening's warnings, an
// overnight pause, and the morning the storm arrived, ending minutes before
// now.
func stormCoverage(pics map[string]picture, now time.Time) coverage {
	at := func(ago time.Duration) time.Time { return now.Add(-ago) }
	post := func(ago time.Duration, headline string, by []liveblog.Contributor, body ...liveblog.Block) liveblog.Post {
		return liveblog.Post{Headline: headline, Contributors: by, Blocks: body, PublishedAt: at(ago)}
	}
	keyEvent := func(p liveblog.Post) liveblog.Post { p.KeyEvent = true; return p }
	breaking := func(p liveblog.Post) liveblog.Post { p.Breaking, p.KeyEvent = true, true; return p }
	h, m := time.Hour, time.Minute

	schools := func(withCarrowBay bool) []liveblog.Block {
		closed := []string{"Westermouth Academy", "Harbour Street Primary, Westermouth", "Fellbrook Community School", "St Ysolde Church of England Primary"}
		if withCarrowBay {
			closed = append(closed, "Carrow Bay Primary")
		}
		return blocks(
			para(plain("More than 60 schools across Westshire will stay shut today because of the wind, the council says. Parents should check the "),
				link("full list of closures", schoolsURL), plain(" before setting off.")),
			text("Among those closed are:"),
			bullets(closed...),
		)
	}

	return coverage{
		event: liveblog.Event{
			Slug:        Slug,
			Title:       "Storm Elowen: red warning as gusts of more than 90mph batter the west coast",
			Description: "Live coverage as Storm Elowen sweeps across the Westshire coast, with power cuts, travel disruption and flooding. This is demo content: every person, place and organisation in it is fictional.",
			TimeZone:    liveblog.DefaultTimeZone,
		},
		state: liveblog.CoverageLive,
		summary: []string{
			"A red warning for wind, the highest level, covers the Westshire coast until this evening, after forecasters extended it this morning",
			"A gust of 94mph was recorded at Polmarrow Point overnight, the strongest in the region for years",
			"About 41,000 homes lost power at the peak of the storm; some may not be reconnected until tomorrow",
			"Four crew were brought ashore safely after the Carrow Bay lifeboat went to a fishing boat in difficulty",
			"Trains west of Westermouth and morning flights are cancelled, and more than 60 schools are closed",
		},
		posts: []seedPost{
			{post: keyEvent(post(15*h, "Red warning issued for the Westshire coast", byline(weatherDesk),
				para(plain("The Coastal Weather Office has "), link("raised its warning for Storm Elowen", warningsURL),
					plain(" to "), bold("red"), plain(", the highest level, for the whole Westshire coast from the early hours of tomorrow.")),
				para(plain("A red warning means there is a "), italic("danger to life"),
					plain(" from flying debris and large waves. Gusts of 80 to 90mph are expected on exposed coasts, and perhaps more on the headlands.")),
				text("The warning covers:"),
				bullets("Westermouth and the harbour district", "Carrow Bay and Polmarrow Point", "Trevanse and the Tamsin estuary", "The Fellbrook hills inland"),
			))},
			{post: post(14*h+20*m, "Evening ferries and late trains cancelled", byline(transportDesk),
				text("Travel operators are not waiting for the wind to arrive. The last sailings of the day have been pulled and the final trains brought forward."),
				bullets(
					"Atlantic Coast Railway: last departure from Westermouth moved forward by two hours",
					"Tamsin Ferries: all evening crossings cancelled",
					"Westermouth Airport: first flights tomorrow under review",
				),
			)},
			{post: post(13*h+45*m, "Rest centres open in Westermouth and Trevanse", byline(townReporter),
				text("Westshire Council has opened two rest centres for anyone who would rather not spend the night in a house close to the sea: the Assembly Rooms in Westermouth and the sports hall at Trevanse College."),
				quote("We would rather open the doors and see nobody come than leave a single person without somewhere safe to go tonight.",
					"Councillor Bryony Treloar, leader of Westshire Council"),
			)},
			{post: post(13*h, "We're pausing our live coverage", byline(pageEditor),
				text("That's where we leave our coverage for tonight. The storm is due to reach the coast in the early hours, and we'll be back first thing with everything that happened overnight."),
				para(plain("Until then, the "), link("Coastal Weather Office warnings page", warningsURL), plain(" has the latest forecast.")),
			)},

			{post: post(5*h, "We're restarting our live coverage", byline(pageEditor),
				text("Good morning and welcome back. Storm Elowen arrived overnight, as forecast, and brought the strongest winds this coast has seen in years. Here is what happened while most of you were asleep:"),
				bullets(
					"A gust of 94mph was recorded at Polmarrow Point shortly before dawn",
					"Tens of thousands of homes lost power across Westshire",
					"Firefighters were called out more than a hundred times to fallen trees and loose roofs",
					"No serious injuries have been reported so far",
				),
				text("Stay with us for the latest through the day."),
			)},
			{pin: true, post: post(4*h+50*m, "The advice if you live near the coast", byline(pageEditor),
				text("The emergency services have asked everyone on the Westshire coast to follow this advice until the warning ends:"),
				richList(
					item(bold("Stay indoors"), plain(" if you can, and away from windows on the side facing the wind")),
					item(plain("Do not go to the seafront to watch the waves: "), italic("they are bigger and reach further than they look")),
					item(plain("Keep clear of fallen power lines and report them on "), link("the power cuts page", powerURL)),
					item(plain("Check "), link("the council's travel page", roadsURL), plain(" before any journey")),
				),
				para(plain("In an emergency, or if life is in danger, "), bold("call 999"), plain(".")),
			)},
			{post: keyEvent(post(4*h+40*m, "94mph gust recorded at Polmarrow Point", byline(weatherDesk),
				para(plain("The weather station at Polmarrow Point recorded a gust of "), bold("94mph"),
					plain(" at about dawn, the strongest measured anywhere in the region since the station opened.")),
				quote("We don't often see numbers like that outside the far north. Elowen deepened very quickly as it approached the coast, and that is what gives you gusts of this strength.",
					"Dr Aled Penrose, duty forecaster at the Coastal Weather Office"),
			))},
			{post: post(4*h+25*m, "Waves break over Westermouth harbour wall", byline(townReporter),
				figure(pics[sceneHarbour], alt[sceneHarbour], "Spray over the harbour wall in Westermouth at first light", "liveblog demo"),
				text("I'm standing well back from the harbour, as the coastguard has asked, and even from here the noise is extraordinary. Every few seconds a wave hits the wall and throws spray higher than the lighthouse."),
				text("The harbour road has been closed by the police, and the fishing fleet stayed in port overnight."),
			)},
			{post: keyEvent(post(4*h+10*m, "Tens of thousands of homes without power", byline(coastReporter),
				para(plain("Tidewater Power Networks says "), bold("about 41,000 homes"),
					plain(" lost power at the height of the storm. You can check whether your street is affected on "), link("its power cuts map", powerURL), plain(".")),
				text("The worst-hit areas are:"),
				bullets("Carrow Bay and Polmarrow: about 12,000 homes", "Trevanse and the estuary villages: about 9,500", "Fellbrook and the hills: about 8,000", "Westermouth: about 6,000"),
			))},
			{post: post(3*h+55*m, "No trains west of Westermouth", byline(transportDesk),
				text("Atlantic Coast Railway has cancelled every service west of Westermouth until at least midday, while its engineers check the line for fallen trees."),
				captured("https://x.com/AtlanticCoastRl/status/1890000000000000114", "", "Atlantic Coast Railway",
					"No trains west of Westermouth until at least midday while we check the line for fallen trees. Tickets for today are valid tomorrow.", "", at(3*h+58*m)),
			)},
			{post: post(3*h+40*m, "What does a red warning actually mean?", byline(analyst),
				para(plain("Red warnings are rare. Forecasters issue one only when they are confident that the weather will be "),
					italic("both"), plain(" severe and likely to cause real harm, not merely inconvenience.")),
				captured("https://datawrapper.dwcdn.net/Elw3n/1/", "Peak gusts overnight across Westshire", "Westshire Weather Service",
					"Carrow Bay 94 mph, Trevanse 88 mph, Westermouth 81 mph, Fellbrook 76 mph.", "", at(3*h+45*m)),
				text("In practice, a red warning for wind means:"),
				bullets(
					"Flying debris is likely, and could injure people",
					"Roofs may be damaged and power lines brought down",
					"Large waves and beach material may be thrown onto coastal roads and seafronts",
					"Long interruptions to power, phones and travel are likely",
				),
			)},
			{post: post(3*h+25*m, "Tree down across the Trevanse road", byline(transportDesk),
				figure(pics[sceneTree], alt[sceneTree], "The main road into Trevanse is blocked", "liveblog demo"),
				para(plain("A large beech has come down across the main road into Trevanse, taking a phone line with it. Westshire Council says crews will clear it "),
					italic("once the wind drops enough to make it safe"), plain(". Diversions are on "), link("the council's travel page", roadsURL), plain(".")),
			)},
			{post: post(3*h+10*m, "'It sounded like a train going over the roof'", byline(coastReporter),
				text("In Carrow Bay, residents are out in the rain looking at the damage. Slates are scattered along the seafront and a bus shelter has been flattened."),
				quote("It sounded like a train going over the roof, all night long. We sat on the stairs with the children because it felt like the safest place in the house.",
					"Nadia Kerrow, who lives on the seafront in Carrow Bay"),
			)},
			{
				post: post(2*h+55*m, "More than 60 schools closed", byline(townReporter), schools(true)...),
				edit: &seedEdit{blocks: schools(false), note: "An earlier version of this post listed Carrow Bay Primary among the schools closed today. It is open as normal."},
			},
			{post: breaking(post(2*h+40*m, "Lifeboat launched to fishing boat in difficulty off Carrow Bay", byline(coastReporter),
				para(plain("The Carrow Bay lifeboat has been launched to a fishing boat with "), bold("four crew"), plain(" on board, which reported engine failure about three miles offshore.")),
				text("The coastguard says the boat is drifting towards the headland. A rescue helicopter has also been sent."),
			))},
			{post: post(2*h+30*m, "Watch: the swell at Carrow Bay this morning", byline(coastReporter),
				text("Waves several metres high have been rolling into Carrow Bay since first light. This footage was filmed from the cliff path, well back from the edge."),
				captured("https://www.youtube.com/watch?v=StormElowen", "Huge swell at Carrow Bay as Storm Elowen peaks (0:48)", "Carrow Bay Coastwatch",
					"", pics[sceneHarbour].Src(), at(2*h+40*m)),
			)},
			{post: keyEvent(post(2*h+15*m, "All four crew brought ashore safely", byline(coastReporter),
				figure(pics[sceneLifeboat], alt[sceneLifeboat], "The Carrow Bay lifeboat returning to the harbour", "liveblog demo"),
				text("The four fishermen have been brought ashore at Carrow Bay after the lifeboat crew managed to get a tow line on board their boat. They are cold but unhurt."),
				quote("The skipper did exactly the right thing by calling us early, before his boat was in real trouble. Our volunteers went out in some of the worst conditions they have ever faced.",
					"Jenna Marsh, Westshire coastguard"),
			))},
			{post: post(2*h, "Flooding in Trevanse's lower town", byline(townReporter),
				figure(pics[sceneFlood], alt[sceneFlood], "Water reached front doors on Quay Terrace in Trevanse", "liveblog demo"),
				text("High tide and the storm surge together have pushed the Tamsin over its banks in the lower part of Trevanse. Residents on Quay Terrace spent the morning stacking sandbags; the fire service is pumping water from two streets."),
			)},
			{post: post(h+45*m, "Tamsin Bridge closed to high-sided vehicles", byline(transportDesk),
				para(bold("The Tamsin Bridge"), plain(" is closed to lorries, vans and caravans until the wind eases. Cars can still cross, with a 30mph limit. Diversions are on "),
					link("the council's travel page", roadsURL), plain(".")),
				bullets("Lorries heading west: use the Fellbrook road", "Caravans and motorhomes: do not travel today", "Cyclists and walkers: the bridge footway is shut"),
			)},
			{post: post(h+30*m, "Power company: some homes may wait until tomorrow", byline(coastReporter),
				text("Tidewater Power Networks has about 300 engineers out, but says crews cannot climb poles or work near the lines until the gusts drop."),
				quote("We know how hard a day without power is, particularly for people who depend on it for medical equipment. We are getting to them first, and we will keep going through the night.",
					"Samir Nandha, operations director at Tidewater Power Networks"),
			)},
			{post: post(h+15*m, "Analysis: why Elowen has been so fierce", byline(weatherDesk),
				para(plain("Elowen is what forecasters call a "), italic("rapidly deepening"),
					plain(" low: its central pressure fell by more than 24 millibars in a day, the rough threshold for what is sometimes called a weather bomb.")),
				para(plain("The strongest gusts came on its southern flank shortly before dawn, in a narrow band of descending air. That is why Polmarrow recorded "),
					bold("94mph"), plain(" while places a few miles inland saw far less.")),
				text("The centre of the storm is now moving away north-east, but the wind will stay strong on the coast until this evening."),
			)},
			{post: post(h, "Engineers out in the wind", byline(coastReporter),
				figure(pics[scenePylons], alt[scenePylons], "Engineers waiting for the wind to drop near Fellbrook", "liveblog demo"),
				text("Near Fellbrook, an engineering crew is parked under a line brought down overnight. They are allowed to start work once gusts fall below a safe limit, and they are watching the forecast minute by minute."),
			)},
			{post: post(50*m, "Morning flights cancelled at Westermouth Airport", byline(transportDesk),
				text("Every departure from Westermouth Airport before 2pm has been cancelled. The airport says passengers should not travel there unless their airline has contacted them."),
			)},
			{post: post(40*m, "Fire service: more than 200 calls since midnight", byline(townReporter),
				text("Westshire Fire and Rescue has posted an update on its busiest night in years."),
				captured("https://bsky.app/profile/westshirefire.bsky.social/post/3lelowenstorm", "", "Westshire Fire and Rescue",
					"214 calls since midnight, mostly fallen trees and loose roofing.\nPlease only call 999 in an emergency.", "", at(45*m)),
			)},
			{post: post(30*m, "'Stay off the seafront' - police", byline(townReporter),
				text("Police say people are still walking along Westermouth promenade to film the waves, despite the warnings."),
				quote("A wave that looks harmless from a hundred metres away can knock you off your feet. Please film from somewhere safe, or not at all.",
					"Chief Superintendent Oren Blake, Westshire Police"),
			)},
			{post: breaking(post(20*m, "Red warning extended into the evening", byline(weatherDesk),
				para(plain("The Coastal Weather Office has "), link("extended the red warning", warningsURL),
					plain(" by six hours. It now runs until "), bold("this evening"),
					plain(", because a second band of strong wind is following the storm's centre.")),
			))},
			{post: post(12*m, "Café becomes a drop-in for the cut-off", byline(townReporter),
				text("On Harbour Street in Westermouth, the Driftwood Café has a generator running and a sign in the window: free tea, phone charging and somewhere warm for anyone without power."),
				quote("Half my regulars have no electricity. The least I can do is keep the kettle on.", "Owen Pascoe, who runs the café"),
			)},
			{post: post(4*m, "Some trains could run again this afternoon", byline(transportDesk),
				text("Atlantic Coast Railway says it hopes to run a reduced service between Westermouth and Carrow Bay from mid-afternoon, if checks on the line find no damage."),
			)},
		},
	}
}

// marathonCoverage is an ended event from a few days ago, so the front page
// has an archive to show.
func marathonCoverage(pics map[string]picture, now time.Time) coverage {
	start := now.Add(-4 * 24 * time.Hour).Truncate(time.Hour)
	post := func(after time.Duration, headline string, by []liveblog.Contributor, body ...liveblog.Block) liveblog.Post {
		return liveblog.Post{Headline: headline, Contributors: by, Blocks: body, PublishedAt: start.Add(after)}
	}
	m := time.Minute
	return coverage{
		event: liveblog.Event{
			Slug:        EndedSlug,
			Title:       "Westermouth Half Marathon: a course record on the seafront",
			Description: "Live updates from the Westermouth Half Marathon, run in sunshine days before Storm Elowen. This is demo content: every person, place and organisation in it is fictional.",
			TimeZone:    liveblog.DefaultTimeZone,
		},
		state: liveblog.CoverageEnded,
		summary: []string{
			"Leah Marsden won the women's race in a course record",
			"Tomasz Wilk won the men's race by eleven seconds",
			"About 6,000 runners finished, raising money for the Carrow Bay lifeboat",
		},
		posts: []seedPost{
			{post: post(0, "Welcome to the Westermouth Half Marathon", byline(sportDesk),
				text("A clear sky, barely a breath of wind and about 6,000 runners on the start line: conditions could hardly be better for a fast time on the seafront course."),
			)},
			{post: post(10*m, "And they're off", byline(sportDesk),
				embed(videoURL+"westermouth-half-start", "The start of the Westermouth Half Marathon (1:12)"),
			)},
			{post: post(45*m, "Leaders reach halfway", byline(sportDesk),
				bullets("Women: Leah Marsden leads by 40 seconds", "Men: a group of five still together", "Wheelchair race: Sami Haddad well clear"),
			)},
			{post: liveblog.Post{KeyEvent: true, Headline: "Course record for Leah Marsden", Contributors: byline(sportDesk), PublishedAt: start.Add(80 * m),
				Blocks: blocks(
					figure(pics[sceneFinish], alt[sceneFinish], "The finish on Westermouth seafront", "liveblog demo"),
					para(plain("Leah Marsden has taken "), bold("almost a minute"), plain(" off the women's course record, finishing alone in front of a packed seafront.")),
				)}},
			{post: post(90*m, "'I just kept thinking about the finish'", byline(sportDesk),
				quote("I was on my own from halfway, and I just kept thinking about the finish and the noise on the seafront. It's my home race, so this means everything.", "Leah Marsden, women's winner"),
			)},
			{post: post(3*60*m, "That's all from us", byline(sportDesk),
				text("The last runners are home and the barriers are coming down. Thank you for following our coverage of the Westermouth Half Marathon."),
			)},
		},
	}
}

// recoveryMeeting is a scheduled event with no posts yet.
func recoveryMeeting() coverage {
	return coverage{event: liveblog.Event{
		Slug:        ScheduledSlug,
		Title:       "Westshire Council storm recovery meeting",
		Description: "Councillors meet to agree emergency funding for repairs after Storm Elowen. Coverage starts when the meeting opens. This is demo content: every person, place and organisation in it is fictional.",
		TimeZone:    liveblog.DefaultTimeZone,
	}}
}
