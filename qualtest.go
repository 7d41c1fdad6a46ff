package hitd

import "github.com/hitd/hitd/qform"

// checkAnswerKey checks that an AnswerKey parses and fits its test: it
// names only the test's questions and their selections.
func checkAnswerKey(test, answerKey string) error {
	form, err := qform.Parse(test)
	if err != nil {
		return Errorf(ErrXMLParse, "The Test is not a valid QuestionForm: %s", err.Error())
	}
	key, err := qform.ParseAnswerKey(answerKey)
	if err != nil {
		return Errorf(ErrXMLParse, "The AnswerKey is not valid: %s", err.Error())
	}
	if err := key.CheckAgainst(form); err != nil {
		return Errorf(ErrInvalidParameter, "The AnswerKey does not fit the Test: %s", err.Error())
	}
	return nil
}
