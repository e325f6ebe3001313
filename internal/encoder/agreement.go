package encoder

import (
	_ "embed"
	"encoding/json"
)

// agreementJSON holds the agreement texts: the texts of the committed references (reviews in
// English and Chinese, mixed-language and emoji texts, edge cases), then long texts made by
// joining them in turn, so that sequences at the full token limit are covered too.
//
//go:embed agreement_texts.json
var agreementJSON []byte

// AgreementTexts returns the texts on which a precision's agreement with float32 is measured
// (pooled-embedding cosine, min and mean): the encoder's tests and `make bench` use them.
func AgreementTexts() []string {
	var texts []string
	if err := json.Unmarshal(agreementJSON, &texts); err != nil {
		panic("encoder: agreement_texts.json: " + err.Error())
	}
	return texts
}
