package http

import (
	"testing"
)

// typicalPost is the body of a post as the newsroom's tools send it: a
// headline, a byline, six blocks of the usual kinds, with links and
// emphasis (about 1.5 KB).
const typicalPost = `{"headline":"Ferries cancelled as the storm reaches the coast",
"contributors":[{"name":"Ana Reyes","role":"Transport correspondent","avatar":"https://images.example.com/ana.jpg"}],
"breaking":true,"key_event":false,"status":"published",
"blocks":[
{"type":"paragraph","spans":[{"text":"All sailings from the harbour have been cancelled until at least "},{"text":"6pm","bold":true},{"text":", the operator said in a statement "},{"text":"on its website","href":"https://ferries.example.com/news"},{"text":"."}]},
{"type":"paragraph","spans":[{"text":"Passengers already at the terminal are being offered rooms in the town's two hotels, and a coach to the airport for those with onward flights."}]},
{"type":"quote","text":"We will not put a crew or a passenger at risk. The forecast for the evening is worse, not better.","attribution":"Harbour master"},
{"type":"image","src":"https://images.example.com/harbour.jpg","alt":"Waves break over the harbour wall","caption":"The harbour wall this morning","credit":"Photo: Coast Agency","width":1600,"height":900},
{"type":"list","items":[[{"text":"Ferries: cancelled until 6pm"}],[{"text":"Trains: "},{"text":"reduced service","italic":true}],[{"text":"Roads: the coast road is closed at the bridge"}]]},
{"type":"paragraph","spans":[{"text":"We will update this page as the operator publishes its evening timetable."}]}
]}`

func BenchmarkDecodeBody(b *testing.B) {
	body := []byte(typicalPost)
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		var req postRequest
		if err := decodeBody(body, &req); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDecodeBodyRefused is a body with an unknown field deep in it,
// whose error must name the field's path.
func BenchmarkDecodeBodyRefused(b *testing.B) {
	body := []byte(typicalPost[:len(typicalPost)-2] + `,{"type":"paragraph","text":"x","colour":"red"}]}`)
	b.ReportAllocs()
	for b.Loop() {
		var req postRequest
		if err := decodeBody(body, &req); err == nil {
			b.Fatal("decoded")
		}
	}
}
