/*
 * Names and word lists for `credpipe gen` (see gen_text.h).
 *
 * DESIGN: Beijing regions come first and Shanghai regions next, so a
 * region group is a range of the table. Nothing here is random by itself:
 * the builders take a hash and slice it into table indexes.
 */
#include "gen_text.h"

#include <stdio.h>
#include <string.h>

#include "gen_model.h"

const cp_gen_region_t cp_gen_regions[] = {
        /* Beijing: CP_GEN_G_BJ is indexes 0..5 */
        {"110101", "北京市", "北京", "东城区", "京", "京东", "北京"},
        {"110102", "北京市", "北京", "西城区", "京", "京西", "北京"},
        {"110105", "北京市", "北京", "朝阳区", "京", "京朝", "北京"},
        {"110106", "北京市", "北京", "丰台区", "京", "京丰", "北京"},
        {"110108", "北京市", "北京", "海淀区", "京", "京海", "北京"},
        {"110114", "北京市", "北京", "昌平区", "京", "京昌", "北京"},
        /* Shanghai: CP_GEN_G_SH is indexes 6..13 */
        {"310101", "上海市", "上海", "黄浦区", "沪", "沪黄", "上海"},
        {"310104", "上海市", "上海", "徐汇区", "沪", "沪徐", "上海"},
        {"310105", "上海市", "上海", "长宁区", "沪", "沪长", "上海"},
        {"310106", "上海市", "上海", "静安区", "沪", "沪静", "上海"},
        {"310107", "上海市", "上海", "普陀区", "沪", "沪普", "上海"},
        {"310110", "上海市", "上海", "杨浦区", "沪", "沪杨", "上海"},
        {"310112", "上海市", "上海", "闵行区", "沪", "沪闵", "上海"},
        {"310115", "上海市", "上海", "浦东新区", "沪", "沪浦", "上海"},
        /* elsewhere */
        {"120101", "天津市", "天津", "和平区", "津", "津和", "天津"},
        {"500103", "重庆市", "重庆", "渝中区", "渝", "渝中", "重庆"},
        {"440104", "广州市", "广州", "越秀区", "粤", "穗越", "广东"},
        {"440106", "广州市", "广州", "天河区", "粤", "穗天", "广东"},
        {"440303", "深圳市", "深圳", "罗湖区", "粤", "深罗", "广东"},
        {"440304", "深圳市", "深圳", "福田区", "粤", "深福", "广东"},
        {"440305", "深圳市", "深圳", "南山区", "粤", "深南", "广东"},
        {"330102", "杭州市", "杭州", "上城区", "浙", "杭上", "浙江"},
        {"330106", "杭州市", "杭州", "西湖区", "浙", "杭西", "浙江"},
        {"320102", "南京市", "南京", "玄武区", "苏", "宁玄", "江苏"},
        {"320106", "南京市", "南京", "鼓楼区", "苏", "宁鼓", "江苏"},
        {"510104", "成都市", "成都", "锦江区", "川", "成锦", "四川"},
        {"510107", "成都市", "成都", "武侯区", "川", "成武", "四川"},
        {"420106", "武汉市", "武汉", "武昌区", "鄂", "汉武", "湖北"},
        {"370102", "济南市", "济南", "历下区", "鲁", "济历", "山东"},
        {"350203", "厦门市", "厦门", "思明区", "闽", "厦思", "福建"},
        {"340102", "合肥市", "合肥", "瑶海区", "皖", "合瑶", "安徽"},
        {"610113", "西安市", "西安", "雁塔区", "陕", "西雁", "陕西"},
        {"430102", "长沙市", "长沙", "芙蓉区", "湘", "长芙", "湖南"},
        {"410105", "郑州市", "郑州", "金水区", "豫", "郑金", "河南"},
};
const int cp_gen_nregions = (int)(sizeof(cp_gen_regions) / sizeof(cp_gen_regions[0]));

int cp_gen_region_pick(int group, uint64_t h)
{
        switch (group) {
        case CP_GEN_G_BJ: return (int)(h % 6);
        case CP_GEN_G_SH: return 6 + (int)(h % 8);
        default: return (int)(h % (uint64_t)cp_gen_nregions);
        }
}

int cp_gen_region_find(const char *code)
{
        for (int i = 0; i < cp_gen_nregions; i++)
                if (!strcmp(cp_gen_regions[i].rg_code, code))
                        return i;
        return 0;
}

static const char *const cp_gen_acts_mem[] = {
        "未按规定对从业人员进行安全生产教育和培训", "未建立事故隐患排查治理制度",
        "未在有较大危险因素的场所设置明显的安全警示标志",
        "特种作业人员未按照规定经专门的安全作业培训并取得相应资格上岗作业",
        "未如实记录安全生产教育和培训情况", "危险化学品储存不符合国家标准", NULL,
};
static const char *const cp_gen_acts_samr[] = {
        "销售不符合食品安全标准的食品", "发布虚假广告", "未按规定明码标价",
        "经营超过保质期的食品", "未取得营业执照从事经营活动", "销售不合格产品", NULL,
};
static const char *const cp_gen_acts_env[] = {
        "超过大气污染物排放标准排放大气污染物", "建设项目环境影响评价文件未经批准擅自开工建设",
        "未按照规定贮存危险废物", "未采取有效措施防治施工噪声污染", NULL,
};
static const char *const cp_gen_acts_urban[] = {
        "擅自占用城市道路", "未取得建设工程规划许可证进行建设",
        "未按照规定处置建筑垃圾", "擅自设置户外广告设施", NULL,
};
static const char *const cp_gen_acts_health[] = {
        "未取得医疗机构执业许可证擅自执业", "公共场所卫生质量不符合卫生标准和要求",
        "使用非卫生技术人员从事医疗卫生技术工作", NULL,
};

const cp_gen_dept_t cp_gen_depts[CP_GEN_NDEPT] = {
        [CP_GEN_DEPT_MEM] = {"应急管理局", "应急", "《中华人民共和国安全生产法》", cp_gen_acts_mem},
        [CP_GEN_DEPT_SAMR] = {"市场监督管理局", "市监", "《中华人民共和国食品安全法》", cp_gen_acts_samr},
        [CP_GEN_DEPT_ENV] = {"生态环境局", "环", "《中华人民共和国大气污染防治法》", cp_gen_acts_env},
        [CP_GEN_DEPT_URBAN] = {"城市管理综合行政执法局", "城管", "《城市道路管理条例》", cp_gen_acts_urban},
        [CP_GEN_DEPT_HEALTH] = {"卫生健康委员会", "卫", "《医疗机构管理条例》", cp_gen_acts_health},
};

static const char *const cp_gen_reasons_samr[] = {
        "被列入经营异常名录届满3年仍未履行相关义务",
        "提交虚假材料或者采取其他欺诈手段隐瞒重要事实取得市场主体登记",
        "因食品安全违法行为受到较重行政处罚", NULL,
};
static const char *const cp_gen_reasons_wage[] = {
        "克扣、无故拖欠农民工工资达到认定拒不支付劳动报酬罪数额标准",
        "因拖欠农民工工资违法行为引发群体性事件", NULL,
};
static const char *const cp_gen_reasons_tax[] = {
        "偷税", "虚开增值税专用发票", "逃避追缴欠税", NULL,
};
static const char *const cp_gen_reasons_safety[] = {
        "发生较大生产安全事故并负有责任", "未按规定整改重大事故隐患", NULL,
};
static const char *const cp_gen_reasons_procure[] = {
        "提供虚假材料谋取中标、成交", "与采购人、其他供应商恶意串通", NULL,
};

const cp_gen_list_t cp_gen_lists[CP_GEN_NLISTS] = {
        {"严重违法失信名单", "%s市场监督管理局", cp_gen_reasons_samr},
        {"拖欠农民工工资失信联合惩戒对象名单", "%s人力资源和社会保障局", cp_gen_reasons_wage},
        {"重大税收违法失信主体名单", "国家税务总局%s税务局", cp_gen_reasons_tax},
        {"安全生产严重失信主体名单", "%s应急管理局", cp_gen_reasons_safety},
        {"政府采购严重违法失信行为记录名单", "%s财政局", cp_gen_reasons_procure},
};

const char *const cp_gen_penalty_types[] = {
        "罚款", "罚款", "罚款", "警告;罚款", "警告", "罚款;没收违法所得", "责令停产停业;罚款",
        "通报批评", "吊销许可证件;罚款",
};
/* serious: 责令停产停业, 吊销; general: 罚款 (also with 警告); minor: 警告 or
 * 通报批评 alone. */
const int cp_gen_penalty_tiers[] = {
        CP_GEN_TIER_GENERAL, CP_GEN_TIER_GENERAL, CP_GEN_TIER_GENERAL, CP_GEN_TIER_GENERAL,
        CP_GEN_TIER_MINOR, CP_GEN_TIER_GENERAL, CP_GEN_TIER_SERIOUS, CP_GEN_TIER_MINOR,
        CP_GEN_TIER_SERIOUS,
};
const int cp_gen_npenalty_types = 9;

const char *const cp_gen_disrupt_types[] = {
        "有履行能力而拒不履行生效法律文书确定义务",
        "违反财产报告制度",
        "违反限制消费令",
        "以伪造证据、暴力、威胁等方法妨碍、抗拒执行",
        "以虚假诉讼、虚假仲裁或者以隐匿、转移财产等方法规避执行",
        "无正当理由拒不履行执行和解协议",
};
const int cp_gen_ndisrupt_types = 6;

static const char *const cp_gen_surnames[] = {
        "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙",
        "马", "朱", "胡", "郭", "何", "高", "林", "罗", "郑", "梁", "谢", "宋",
        "唐", "许", "韩", "冯", "邓", "曹", "彭", "曾", "肖", "田", "董", "袁",
        "潘", "于", "蒋", "蔡", "余", "杜", "叶", "程", "苏", "魏", "吕", "丁",
        "任", "沈", "姚", "卢", "姜", "崔", "钟", "谭", "陆", "汪", "范", "金",
        "石", "廖", "贾", "夏", "韦", "方", "白", "邹", "孟", "熊", "秦", "邱",
        "江", "尹", "薛", "段", "雷", "侯", "龙", "史", "欧阳", "司马",
};
static const char *const cp_gen_given[] = {
        "伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳",
        "杰", "娟", "涛", "明", "超", "秀", "霞", "平", "刚", "桂", "英", "华",
        "建", "国", "文", "辉", "玲", "红", "鹏", "飞", "斌", "宇", "浩", "凯",
        "婷", "雪", "琳", "晨", "波", "宁", "健", "俊", "峰", "亮", "欣", "怡",
        "佳", "颖", "梅", "兰", "林", "龙", "海", "春", "云", "志", "新", "荣",
};
static const char *const cp_gen_word1[] = {
        "恒", "华", "鑫", "博", "嘉", "瑞", "盛", "中", "汇", "天", "海", "锦",
        "宏", "凯", "新", "永", "金", "东", "卓", "润", "顺", "启", "星", "蓝",
        "云", "远", "和", "正", "光", "同", "德", "安", "泰", "宇", "佳", "信",
        "达", "创", "联", "腾",
};
static const char *const cp_gen_word2[] = {
        "达", "信", "源", "远", "禾", "丰", "通", "联", "智", "成", "纳", "程",
        "图", "旋", "元", "泰", "桥", "方", "越", "泽", "发", "明", "辰", "海",
        "帆", "航", "和", "大", "耀", "创", "茂", "诚", "邦", "杰", "合", "美",
        "峰", "润", "晟", "运",
};
static const char *const cp_gen_trades[] = {
        "科技", "商贸", "建设工程", "食品", "物流", "餐饮管理", "化工", "医药",
        "环保科技", "信息技术", "建材", "电子", "文化传媒", "机械设备", "农业发展",
        "房地产开发", "物业管理", "服装", "贸易", "装饰工程", "网络科技",
        "汽车服务", "酒店管理", "教育咨询",
};
static const char *const cp_gen_shops[] = {
        "便利店", "五金店", "小吃店", "理发店", "烟酒商行", "服装店", "水果店",
        "汽车修理部",
};
static const char *const cp_gen_institutions[] = {
        "实验小学", "第二中学", "社区卫生服务中心", "职业技术学校", "文化馆", "幼儿园",
};

#define CP_GEN_N(a) (sizeof(a) / sizeof((a)[0]))
#define CP_GEN_TAKE(h, a) cp_gen_take(&(h), (a), CP_GEN_N(a))

/* Takes the next table index out of the hash (mixed radix), so the parts of
 * one name never depend on the same bits. */
static const char *cp_gen_take(uint64_t *h, const char *const *table, size_t n)
{
        const char *s = table[*h % n];

        *h /= n;
        return s;
}

void cp_gen_person_name(char *out, size_t size, uint64_t h)
{
        const char *sur = CP_GEN_TAKE(h, cp_gen_surnames);
        const char *g1 = CP_GEN_TAKE(h, cp_gen_given);
        const char *g2 = CP_GEN_TAKE(h, cp_gen_given);

        /* About one name in four has a one-character given name. */
        if (h % 4 == 0)
                g2 = "";
        snprintf(out, size, "%s%s%s", sur, g1, g2);
}

/* 82 surnames x 60 first characters x (60 second characters or none). */
_Static_assert(CP_GEN_N(cp_gen_surnames) * CP_GEN_N(cp_gen_given) *
               (CP_GEN_N(cp_gen_given) + 1) == CP_GEN_NPERSON_NAMES,
               "CP_GEN_NPERSON_NAMES is the size of the name space");

void cp_gen_person_name_at(char *out, size_t size, uint64_t i)
{
        /* i -> 7919 i + 12345 is a bijection mod CP_GEN_NPERSON_NAMES
         * (7919 is a prime not dividing it), so consecutive persons do not
         * get consecutive names; the mixed-radix digits are then read as in
         * cp_gen_person_name, with "no second character" as the 61st. */
        uint64_t h = (i % CP_GEN_NPERSON_NAMES * 7919u + 12345u) % CP_GEN_NPERSON_NAMES;
        const char *sur = CP_GEN_TAKE(h, cp_gen_surnames);
        const char *g1 = CP_GEN_TAKE(h, cp_gen_given);
        const char *g2 = h < CP_GEN_N(cp_gen_given) ? cp_gen_given[h] : "";

        snprintf(out, size, "%s%s%s", sur, g1, g2);
}

void cp_gen_org_name(char *out, size_t size, uint64_t h, const char *deptcat,
                     const cp_gen_region_t *rg)
{
        const char *w1 = CP_GEN_TAKE(h, cp_gen_word1);
        const char *w2 = CP_GEN_TAKE(h, cp_gen_word2);
        const char *trade = CP_GEN_TAKE(h, cp_gen_trades);
        unsigned k = (unsigned)(h % 20);

        h /= 20;
        if (!memcmp(deptcat, "92", 2)) {
                const char *shop = CP_GEN_TAKE(h, cp_gen_shops);
                snprintf(out, size, "%s%s%s%s%s", rg->rg_city, rg->rg_district, w1, w2, shop);
        } else if (!memcmp(deptcat, "93", 2)) {
                snprintf(out, size, "%s%s%s%s专业合作社", rg->rg_cityshort, w1, w2,
                         k < 10 ? "种植" : k < 16 ? "养殖" : "农机");
        } else if (!memcmp(deptcat, "12", 2)) {
                const char *inst = CP_GEN_TAKE(h, cp_gen_institutions);
                snprintf(out, size, "%s%s%s%s%s", rg->rg_city, rg->rg_district, w1, w2, inst);
        } else if (!memcmp(deptcat, "51", 2)) {
                snprintf(out, size, "%s%s协会", rg->rg_city, trade);
        } else if (!memcmp(deptcat, "52", 2)) {
                snprintf(out, size, "%s%s%s职业技能培训学校", rg->rg_city, w1, w2);
        } else if (!memcmp(deptcat, "53", 2)) {
                snprintf(out, size, "%s%s%s公益基金会", rg->rg_city, w1, w2);
        } else {
                snprintf(out, size, "%s%s%s%s%s", rg->rg_cityshort, w1, w2, trade,
                         k < 15 ? "有限公司" : k < 18 ? "有限责任公司" : "股份有限公司");
        }
}
