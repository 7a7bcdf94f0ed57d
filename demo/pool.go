package demo

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"time"

	"github.com/liveblog/liveblog"
)

// desk is what a template needs to write a post: chance, the time in the
// event's zone, and the illustrations.
type desk struct {
	r    *rand.Rand
	now  time.Time
	pics map[string]picture
}

func (d *desk) pick(options ...string) string { return options[d.r.IntN(len(options))] }

// between returns a number in [lo, hi].
func (d *desk) between(lo, hi int) int { return lo + d.r.IntN(hi-lo+1) }

// clock is a time later today, rounded to five minutes, as a reporter would
// give it.
func (d *desk) clock(after time.Duration) string {
	return d.now.Add(after).Round(5 * time.Minute).Format("15:04")
}

// id is a plausible numeric id for a social post or video, different every
// time so that repeated templates do not link to the same place.
func (d *desk) id() string { return strconv.FormatUint(113820000+d.r.Uint64N(900000), 10) }

// Places on the invented coast, and more of its people.
var (
	towns     = []string{"Westermouth", "Carrow Bay", "Trevanse", "Polmarrow", "Fellbrook", "St Ysolde", "Tamsin Quay"}
	stormPics = []string{sceneHarbour, sceneTree, sceneFlood, scenePylons, sceneLifeboat}
)

func thousands(n int) string {
	s := strconv.Itoa(n)
	if len(s) <= 3 {
		return s
	}
	return s[:len(s)-3] + "," + s[len(s)-3:]
}

// templates are the posts the Newsroom publishes, each filled in afresh every
// time, so a demo left running for an hour still reads like a news desk.
var templates = []func(d *desk) liveblog.Post{
	func(d *desk) liveblog.Post {
		road := d.pick("The coast road at Polmarrow", "Harbour Hill in Westermouth", "The Fellbrook bypass", "Station Road in Trevanse", "The moor road above St Ysolde")
		cause := d.pick("a fallen tree", "flooding", "a fallen power line", "debris from a damaged roof")
		return liveblog.Post{
			Headline:     fmt.Sprintf("%s closed by %s", road, cause),
			Contributors: byline(transportDesk),
			Blocks: blocks(
				para(bold(road), plain(" is closed in both directions because of "+cause+". Diversions are signed, and the latest is on "),
					link("the council's travel page", roadsURL), plain(".")),
				text(fmt.Sprintf("Highways crews hope to reopen it by about %s, but say that depends on the wind.", d.clock(2*time.Hour))),
			),
		}
	},
	func(d *desk) liveblog.Post {
		total := d.between(9, 30) * 1000
		return liveblog.Post{
			Headline:     "Power cuts: the latest figures",
			Contributors: byline(coastReporter),
			KeyEvent:     d.r.IntN(4) == 0,
			Blocks: blocks(
				para(plain("Tidewater Power Networks says "), bold(thousands(total)+" homes"),
					plain(" are still without power. You can check your postcode on "), link("its power cuts page", powerURL), plain(".")),
				bullets(
					fmt.Sprintf("Carrow Bay and Polmarrow: about %s", thousands(total*35/100)),
					fmt.Sprintf("Trevanse and the estuary: about %s", thousands(total*25/100)),
					fmt.Sprintf("Fellbrook and the hills: about %s", thousands(total*25/100)),
					fmt.Sprintf("Westermouth: about %s", thousands(total*15/100)),
				),
			),
		}
	},
	func(d *desk) liveblog.Post {
		mph := d.between(70, 96)
		place := d.pick("Polmarrow Point", "St Ysolde lighthouse", "Westermouth pier", "Fellbrook Beacon")
		return liveblog.Post{
			Headline:     fmt.Sprintf("%dmph gust at %s", mph, place),
			Contributors: byline(weatherDesk),
			KeyEvent:     mph >= 90,
			Blocks: blocks(
				para(plain("The latest reading from "+place+" is a gust of "), bold(fmt.Sprintf("%dmph", mph)), plain(".")),
				quote(d.pick(
					"The wind is coming in bursts now rather than one long roar, but those bursts are still strong enough to do damage.",
					"We expect gusts like this to continue on exposed coasts for several hours yet. Please do not be tempted out.",
					"Inland it may feel calmer, but the coast is still taking the full force of it.",
				), "Coastal Weather Office forecaster"),
			),
		}
	},
	func(d *desk) liveblog.Post {
		scene := stormPics[d.r.IntN(len(stormPics))]
		town := d.pick(towns...)
		return liveblog.Post{
			Headline:     "Your pictures from " + town,
			Contributors: byline(pageEditor),
			Blocks: blocks(
				figure(d.pics[scene], alt[scene], "Sent to us by a reader in "+town, "Reader picture (illustration: liveblog demo)"),
				text("Thank you for all the pictures you have been sending in. Please only take them if you can do so safely."),
			),
		}
	},
	func(d *desk) liveblog.Post {
		town := d.pick(towns...)
		what := d.pick("spray over the promenade", "waves against the sea wall", "the swell from the cliff path", "the storm rolling in over the bay")
		return liveblog.Post{
			Headline:     "Watch: " + what + " in " + town,
			Contributors: byline(coastReporter),
			Blocks: blocks(
				text("This footage was filmed a short time ago from a safe distance."),
				embed(videoURL+"elowen-"+d.id(), fmt.Sprintf("Storm Elowen: %s in %s (0:%02d)", what, town, d.between(20, 59))),
			),
		}
	},
	func(d *desk) liveblog.Post {
		calls := d.between(220, 420)
		return liveblog.Post{
			Headline:     "Fire service still busy",
			Contributors: byline(townReporter),
			Blocks: blocks(
				text("Westshire Fire and Rescue has given another update on its morning."),
				embed(socialURL+"@WestshireFire/"+d.id(),
					fmt.Sprintf("Westshire Fire and Rescue: %d calls since midnight. Crews are working across the county; please call 999 only if life or property is at risk.", calls)),
			),
		}
	},
	func(d *desk) liveblog.Post {
		town := d.pick(towns...)
		name := d.pick("Gwen Hosking", "Marcus Lyle", "Esther Roskilly", "Kofi Mensah-Hart", "Tamsin Vosper", "Jago Penberthy")
		line := d.pick(
			"The garden fence is somewhere in the next village. Honestly, I'm just glad the windows held.",
			"I've lived here forty years and I have never heard wind like it. The whole house was shaking.",
			"The neighbours have been brilliant. Someone came round at six with a flask of coffee for the whole street.",
			"We've got candles, a camping stove and a very bored dog. We'll be fine.",
		)
		return liveblog.Post{
			Headline:     fmt.Sprintf("Voices from %s", town),
			Contributors: byline(coastReporter),
			Blocks: blocks(
				text("I've been speaking to people in "+town+" about their night."),
				quote(line, name+", who lives in "+town),
			),
		}
	},
	func(d *desk) liveblog.Post {
		return liveblog.Post{
			Headline:     "Travel: what's running and what isn't",
			Contributors: byline(transportDesk),
			Blocks: blocks(
				richList(
					item(bold("Trains: "), plain(d.pick("no services west of Westermouth", "a reduced service between Westermouth and Carrow Bay", "buses replace trains beyond Trevanse"))),
					item(bold("Flights: "), plain(d.pick("all departures from Westermouth Airport cancelled until "+d.clock(3*time.Hour), "some flights operating with delays"))),
					item(bold("Ferries: "), plain("all Tamsin Ferries sailings cancelled for the rest of the day")),
					item(bold("Roads: "), plain("check "), link("the council's travel page", roadsURL), plain(" before setting off")),
				),
			),
		}
	},
	func(d *desk) liveblog.Post {
		town := d.pick(towns...)
		homes := d.between(12, 60)
		return liveblog.Post{
			Headline:     "Seafront homes evacuated in " + town,
			Contributors: byline(townReporter),
			Breaking:     true,
			KeyEvent:     true,
			Blocks: blocks(
				para(plain("Police are asking the people in "), bold(fmt.Sprintf("about %d homes", homes)),
					plain(" on the seafront in "+town+" to leave while engineers check the sea wall, which has been damaged by the waves.")),
				text("A rest centre has been opened nearby. We'll bring you more as we get it."),
			),
		}
	},
	func(d *desk) liveblog.Post {
		town := d.pick(towns...)
		building := d.pick("the sports hall", "a supermarket", "the church hall", "a primary school")
		return liveblog.Post{
			Headline:     fmt.Sprintf("Roof torn from %s in %s", building, town),
			Contributors: byline(townReporter),
			Breaking:     true,
			KeyEvent:     true,
			Blocks: blocks(
				text(fmt.Sprintf("Part of the roof of %s in %s has been torn off by the wind. Nobody is believed to have been hurt, and police have closed the street around it.", building, town)),
			),
		}
	},
	func(d *desk) liveblog.Post {
		return liveblog.Post{
			Headline:     "Analysis: " + d.pick("when will the wind ease?", "how long will the disruption last?"),
			Contributors: byline(d.pick2(weatherDesk, analyst)),
			Blocks: blocks(
				para(plain("The storm's centre is moving away, but "), italic("the back edge of a storm can be as rough as the front"),
					plain(". On the coast, gusts should start to ease from about "), bold(d.clock(4*time.Hour)), plain(".")),
				text("Inland, the rain is now the bigger problem: rivers rise for hours after the rain has stopped, so the risk of flooding lasts into tomorrow."),
			),
		}
	},
	func(d *desk) liveblog.Post {
		return liveblog.Post{
			Headline:     "A reminder: staying safe in the wind",
			Contributors: byline(pageEditor),
			Blocks: blocks(
				bullets(
					"Stay away from the seafront, cliffs and harbour walls",
					"Do not touch fallen power lines, and keep others away",
					"Check on neighbours who may need help, if you can do so safely",
					"Only travel if your journey is essential",
				),
				para(plain("The full warning is on the "), link("Coastal Weather Office's site", warningsURL), plain(".")),
			),
		}
	},
	func(d *desk) liveblog.Post {
		place := d.pick("the harbour mouth at Polmarrow", "the beach at St Ysolde", "the cliffs above Carrow Bay")
		return liveblog.Post{
			Headline:     "Coastguard called to " + place,
			Contributors: byline(coastReporter),
			Blocks: blocks(
				text("The coastguard was called to "+place+" after a report of someone in difficulty. It has since been confirmed as a false alarm with good intent: a piece of orange tarpaulin in the water."),
				text("The coastguard thanked the caller, saying it would always rather check."),
			),
		}
	},
	func(d *desk) liveblog.Post {
		town := d.pick("Trevanse", "Tamsin Quay", "Westermouth")
		return liveblog.Post{
			Headline:     "High tide at " + d.clock(90*time.Minute) + ": flood warning for " + town,
			Contributors: byline(weatherDesk),
			KeyEvent:     d.r.IntN(3) == 0,
			Blocks: blocks(
				para(plain("The next high tide in "+town+" is at "), bold(d.clock(90*time.Minute)),
					plain(". With the storm surge on top of it, the water could come over the quay again.")),
				text("Residents in low-lying streets are being told to move valuables upstairs and keep sandbags in place."),
			),
		}
	},
	func(d *desk) liveblog.Post {
		town := d.pick(towns...)
		place := d.pick("library", "Anchor Inn", "community centre", "leisure centre")
		return liveblog.Post{
			Headline:     fmt.Sprintf("%s %s opens its doors", town, place),
			Contributors: byline(townReporter),
			Blocks: blocks(
				text(fmt.Sprintf("The %s in %s has power, and has invited anyone without it to come in, warm up and charge their phone.", place, town)),
				quote("It's what you do, isn't it? Nobody should be sitting in a cold house on their own today.", "A volunteer at the "+place),
			),
		}
	},
	func(d *desk) liveblog.Post {
		return liveblog.Post{
			Headline:     "School closures: the latest",
			Contributors: byline(townReporter),
			Blocks: blocks(
				para(plain(fmt.Sprintf("Westshire Council now says %d schools are closed for the day. ", d.between(55, 80))),
					plain("The "), link("full list", schoolsURL), plain(" is updated as head teachers report in.")),
			),
		}
	},
	func(d *desk) liveblog.Post {
		scene := d.pick(sceneTree, sceneFlood, scenePylons)
		town := d.pick(towns...)
		return liveblog.Post{
			Headline:     "The clean-up begins in " + town,
			Contributors: byline(d.pick2(townReporter, coastReporter)),
			Blocks: blocks(
				figure(d.pics[scene], alt[scene], "The scene in "+town+" this morning", "liveblog demo"),
				text("In "+town+", people are starting to clear up where the wind allows. Council crews are out with chainsaws and road sweepers, and shops are sweeping glass from the pavement."),
			),
		}
	},
	func(d *desk) liveblog.Post {
		return liveblog.Post{
			Headline:     "Bin collections cancelled across Westshire",
			Contributors: byline(townReporter),
			Blocks: blocks(
				text("Not the biggest news of the day, but a question many of you have asked: all bin and recycling collections are cancelled today. Please keep bins indoors or tied down, as loose ones are adding to the debris on the roads."),
			),
		}
	},
}

// pick2 chooses between two bylines.
func (d *desk) pick2(a, b liveblog.Contributor) liveblog.Contributor {
	if d.r.IntN(2) == 0 {
		return a
	}
	return b
}

// edits are lines the Newsroom adds to a recent post. note completes "This
// post was updated at HH:MM ..." and is used some of the time.
var edits = []struct{ line, note string }{
	{"Westshire Council says extra crews are on standby and it will update its website every hour.", "with the latest from Westshire Council"},
	{"The emergency services say nobody has been reported injured.", "with a statement from the emergency services"},
	{"Anyone who needs help can call the council's storm line on 01632 960418.", "with the council's storm line number"},
	{"Our reporter at the scene says the wind has eased slightly in the last few minutes, though the rain is still heavy.", "with the latest from our reporter"},
	{"We'll bring you more on this as soon as we have it.", ""},
}

// keyPoint is a fresh line for the summary box. topic is text every version
// of the line shares, so a newer figure replaces the older one in place, as a
// desk would update it, rather than both showing at once.
type keyPoint struct {
	topic string
	write func(d *desk) string
}

var keyPoints = []keyPoint{
	{"homes are still without power", func(d *desk) string {
		return fmt.Sprintf("About %s homes are still without power, down from a peak of 41,000", thousands(d.between(8, 30)*1000))
	}},
	{"storm calls since midnight", func(d *desk) string {
		return fmt.Sprintf("Westshire Fire and Rescue has taken more than %d storm calls since midnight", d.between(22, 42)*10)
	}},
	{"The next high tide", func(d *desk) string {
		return fmt.Sprintf("The next high tide, at %s, brings a renewed risk of flooding in Trevanse and Tamsin Quay", d.clock(90*time.Minute))
	}},
	{"strongest gusts to ease", func(d *desk) string {
		return fmt.Sprintf("Forecasters expect the strongest gusts to ease on the coast from about %s", d.clock(4*time.Hour))
	}},
	{"schools are closed across Westshire", func(d *desk) string {
		return fmt.Sprintf("%d schools are closed across Westshire; the council's list is updated through the day", d.between(55, 80))
	}},
	{"Police are urging", func(d *desk) string {
		return "Police are urging people to stay away from seafronts, cliffs and harbour walls"
	}},
}
