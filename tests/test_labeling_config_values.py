"""The label values read from a labeling config: what a config update would drop is worked out from them."""

from newsclaims.labelstudio.config import labeling_config_xml, read_labeling_config


def test_values_are_read_per_control_tag():
    xml = """<View>
      <Text name="text" value="$text"/>
      <Labels name="kind" toName="text"><Label value="Harbour"/><Label value="Ferry"/></Labels>
      <Choices name="tone" toName="text"><Choice value="calm"/></Choices>
    </View>"""
    assert read_labeling_config(xml) == {"kind": ["Harbour", "Ferry"], "tone": ["calm"]}


def test_a_label_without_a_value_is_no_label_value():
    xml = '<View><Labels name="kind" toName="text"><Label value="Harbour"/><Label background="red"/></Labels></View>'
    assert read_labeling_config(xml) == {"kind": ["Harbour"]}


def test_every_value_of_the_corpus_config_is_a_string():
    values = read_labeling_config(labeling_config_xml())
    assert values
    assert all(isinstance(value, str) and value for labels in values.values() for value in labels)
