package pii

import "testing"

// TestScrubEvasionsAndLookalikes holds disguised PII each detector must catch (non-breaking
// spaces, full-width forms, obfuscated emails, lower-case addresses, ...) and the look-alikes
// next to it that must stay.
func TestScrubEvasionsAndLookalikes(t *testing.T) {
	s := NewScrubber()
	tests := []struct{ name, in, want string }{
		{"nbsp phone", "call +86\u00a0138\u00a01234\u00a05678 now", "call [PHONE] now"},
		{"en dash phone", "手机138–1234–5678谢谢", "手机[PHONE]谢谢"},
		{"ideographic space phone", "电话010　8765　4321", "电话[PHONE]"},
		{"full-width digits", "tel １３８１２３４５６７８ ok", "tel [PHONE] ok"},
		{"full-width at", "mail ｊｏｈｎ＠ｇｍａｉｌ．ｃｏｍ!", "mail [EMAIL]!"},
		{"zero width inside email", "a\u200bb@c.com x", "[EMAIL] x"},
		{"obfuscated brackets", "write to name [at] 163 [dot] com please", "write to [EMAIL] please"},
		{"obfuscated parens", "name(at)gmail.com", "[EMAIL]"},
		{"obfuscated words", "john at gmail dot com", "[EMAIL]"},
		{"bare at provider", "reach me: john.doe at gmail.com", "reach me: [EMAIL]"},
		{"at shop stays", "available at walmart.com and look at amazon dot com", "available at walmart.com and look at amazon dot com"},
		{"grouped cn id", "身份证 440305 19870715 0003", "身份证 [CN_ID]"},
		{"ssn dashed", "my ssn is 123-45-6780.", "my ssn is [SSN]."},
		{"ssn context plain", "social security number 234567891", "social security number [SSN]"},
		{"ssn invalid area", "code 666-12-3456 and 900-12-3456 and 123-00-4567", "code 666-12-3456 and 900-12-3456 and 123-00-4567"},
		{"lower iban", "iban de89 3704 0044 0532 0130 00 ok", "iban [IBAN] ok"},
		{"rural address", "寄到河北省保定市清苑区东闾乡南王庄村3组12户，谢谢", "寄到[ADDRESS]，谢谢"},
		{"countryside stays", "农村用户很多，乡村振兴，我们村的人都买了", "农村用户很多，乡村振兴，我们村的人都买了"},
		{"lower address", "ship to 12 oak street apt 3, boston ma 02118 thanks", "ship to [ADDRESS] thanks"},
		{"road stays", "we drove 30 miles down the road", "we drove 30 miles down the road"},
		{"uk address", "221B Baker Street, London NW1 6XE.", "[ADDRESS]."},
		{"uk town postcode", "send it to London NW1 6XE please", "send it to [ADDRESS] please"},
		{"ref no", "ref no. TB20240315-88123 thanks", "ref no. [ORDER_ID] thanks"},
		{"refund stays", "refund 20240315 was slow", "refund 20240315 was slow"},
		{"schemeless url", "track at example.com/track?t=abc123 now", "track at [URL] now"},
		{"domain alone stays", "bought on amazon.com, and/or e.g. 1.5/5", "bought on amazon.com, and/or e.g. 1.5/5"},
		{"my name is", "Hi, my name is Emily Johnson and I love it", "Hi, my name is [PERSON] and I love it"},
		{"i'm happy stays", "I'm Very Happy With This", "I'm Very Happy With This"},
		{"i'm known name", "I’m Sarah, the buyer", "I’m [PERSON], the buyer"},
		{"signed", "Signed, Robert Smith", "Signed, [PERSON]"},
		{"this is speaking", "This is Mark Lee speaking.", "This is [PERSON] speaking."},
		{"this is stays", "This Is Great Product", "This Is Great Product"},
		{"wo jiao", "我叫王小明，今年30岁", "我叫[PERSON]，今年30岁"},
		{"wo shi name", "我是李华，买了两件", "我是[PERSON]，买了两件"},
		{"wo shi stays", "我是第一次买，我是学生，我是王者荣耀玩家", "我是第一次买，我是学生，我是王者荣耀玩家"},
		{"minute drive", "It's a 20 Minute Drive from town", "It's a 20 Minute Drive from town"},
		{"large boxes", "Came with 2 Large Boxes Place mats", "Came with 2 Large Boxes Place mats"},
		{"true title address", "I live at 20 Maple Drive now", "I live at [ADDRESS] now"},
		{"apartment floor", "酒店式公寓2楼的餐厅不错", "酒店式公寓2楼的餐厅不错"},
		{"estate address", "住在阳光花园3栋2单元501室", "住在[ADDRESS]"},
		{"dns", "set DNS 1.1.1.1 and 8.8.8.8", "set DNS 1.1.1.1 and 8.8.8.8"},
		{"nino", "NI number AB 12 34 56 C", "NI number [NATIONAL_ID]"},
		{"dni", "DNI 12345678Z", "DNI [NATIONAL_ID]"},
		{"passport", "passport no. E12345678", "passport no. [NATIONAL_ID]"},
		{"product id stays", "product ID 12345678", "product ID 12345678"},
		{"hash for at", "邮箱abc123#163.com谢谢", "邮箱[EMAIL]谢谢"},
		{"hash stays", "issue #12 at example.com and C#7.3", "issue #12 at example.com and C#7.3"},
		{"spaced at", "mail me: li.wei @ 163.com", "mail me: [EMAIL]"},
		{"order in brackets", "my order (38-18413-37850) never came", "my order ([ORDER_ID]) never came"},
		{"flat prefix", "to Flat 3, 109 Victoria Road, Manchester M14 5RT ok", "to [ADDRESS] ok"},
		{"spaced cn address", "地址：贵州省 毕节市 七星关区 田坝镇 新街村 10组", "地址：[ADDRESS]"},
		{"numbered building", "地址：北京市朝阳区望京西园三区301号楼2单元958，周末在家", "地址：[ADDRESS]，周末在家"},
		{"province starts", "改成山东省临沂市沂南县岸堤镇东山村村委会旁29号，别寄错", "改成[ADDRESS]，别寄错"},
		{"title brand stays", "Dr. Martens boots and Mr. Coffee maker", "Dr. Martens boots and Mr. Coffee maker"},
		{"signed edition stays", "Signed Edition copy", "Signed Edition copy"},
		{"title name", "thanks to Dr. Chen for the advice", "thanks to Dr. [PERSON] for the advice"},
		{"role zh", "快递员陈柏强负责任", "快递员[PERSON]负责任"},
		{"role zh stays", "客服解释说送完了，快递小哥辛苦了，客服马上退款", "客服解释说送完了，快递小哥辛苦了，客服马上退款"},
		{"sign off", "thanks so much! -- Dave", "thanks so much! -- [PERSON]"},
		{"4-4-3 mobile", "my number is 1809 7956 457 ok", "my number is [PHONE] ok"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, _ := s.Scrub(tc.in)
			if got != tc.want {
				t.Fatalf("Scrub(%q)\n got %q\nwant %q (%s)", tc.in, got, tc.want, describe(tc.in, s.Find(tc.in)))
			}
		})
	}
}

func TestNormalizeMapsBack(t *testing.T) {
	for _, in := range []string{"ａ＠ｂ．ｃｏ", "x\u00a0y", "㍱ hPa", "a\u200bb", "纯中文", "ascii only", "ﬁ–ﬂ"} {
		n := normalize(in)
		for st := 0; st < len(n.text); st++ {
			for en := st + 1; en <= len(n.text); en++ {
				o1, o2 := n.span(st, en)
				if o1 < 0 || o2 > len(in) || o1 >= o2 {
					t.Fatalf("%q: span(%d,%d) = %d,%d", in, st, en, o1, o2)
				}
			}
		}
	}
}
